//! Attacks on the real server, each one refused (issue 10). Every test runs
//! on both stores: the test command runs this file on SQLite and again on
//! PostgreSQL.

use hoithi_tests::{setup_round, Client, Server};
use serde_json::Value;

async fn organizer_round(s: &Server, attempts: &str) -> (Client, Client, String) {
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0912000001").await;
    let round = setup_round(&organizer, "20", attempts).await;
    (admin, organizer, round)
}

async fn take(c: &Client, round: &str) -> String {
    c.json("start_attempt", &[("round_id", round)])
        .await
        .as_str()
        .unwrap()
        .to_string()
}

/// A round open with several attempts: the review says right or wrong,
/// never the key, the explanation or the source.
#[tokio::test]
async fn review_while_open_never_shows_the_key() {
    let s = Server::start().await;
    let (admin, _organizer, round) = organizer_round(&s, "3").await;
    let cadre = s.user(&admin, "contestant", "0912000002").await;
    let attempt = take(&cadre, &round).await;
    cadre
        .json(
            "submit_attempt",
            &[("attempt_id", &attempt), ("prediction", "")],
        )
        .await;
    let result = cadre.json("attempt_result", &[("id", &attempt)]).await;
    let review = result["review"].as_array().expect("right/wrong is shown");
    assert!(!review.is_empty());
    for item in review {
        assert_eq!(item["full"], false);
        assert_eq!(item["explanation"], "");
        assert_eq!(item["source"], "");
        assert!(item["accepted"].as_array().unwrap().is_empty());
        for o in item["options"].as_array().unwrap() {
            assert_eq!(o["correct"], false, "a correct option leaked: {item}");
        }
    }
    assert!(result["review_note"]
        .as_str()
        .unwrap()
        .contains("sau khi vòng thi kết thúc"));
}

/// Closing early ends the attempts in progress (graded), the key can then be
/// published, and once it is public the round cannot be extended.
#[tokio::test]
async fn closing_ends_attempts_and_the_key_locks_the_round() {
    let s = Server::start().await;
    let (admin, organizer, round) = organizer_round(&s, "1").await;
    let cadre = s.user(&admin, "contestant", "0912000003").await;
    let attempt = take(&cadre, &round).await;
    let play = cadre.json("get_attempt", &[("id", &attempt)]).await;
    assert!(play["items"].as_array().unwrap().len() > 1);
    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    // The attempt is over: a late save is refused, the result is graded.
    let (status, body) = cadre
        .call(
            "save_answer",
            &[
                ("attempt_id", &attempt),
                ("position", "0"),
                ("choices[0]", "0"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let result = cadre.json("attempt_result", &[("id", &attempt)]).await;
    assert_eq!(result["summary"]["closed_by"], "round_closed");
    assert!(result["summary"]["score"].is_number());
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish_key")],
        )
        .await;
    let (_, later) = hoithi_tests::local_window();
    let (status, body) = organizer
        .call(
            "round_action",
            &[
                ("round_id", &round),
                ("action", "extend"),
                ("closes_at", &later),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Đáp án đã được công bố"), "{body}");
}

/// Saves racing the submit of the same attempt: every answer stored is
/// graded, none is stored after the close without a grade.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_save_racing_the_submit_is_graded_or_refused() {
    let s = Server::start().await;
    let (admin, _organizer, round) = organizer_round(&s, "1").await;
    let cadre = s.user(&admin, "contestant", "0912000004").await;
    let attempt = take(&cadre, &round).await;
    let play = cadre.json("get_attempt", &[("id", &attempt)]).await;
    let n = play["items"].as_array().unwrap().len();
    let saves = (0..n).map(|p| {
        let (c, a) = (&cadre, attempt.clone());
        async move {
            let p = p.to_string();
            c.call(
                "save_answer",
                &[("attempt_id", &a), ("position", &p), ("choices[0]", "0")],
            )
            .await
        }
    });
    let form = [("attempt_id", attempt.as_str()), ("prediction", "")];
    let submit = cadre.call("submit_attempt", &form);
    let (_, _) = futures::join!(futures::future::join_all(saves), submit);
    let db = hoithi_core::store::Db::connect(&s.database_url())
        .await
        .unwrap();
    let ungraded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attempt_items WHERE attempt_id = $1 AND response IS NOT NULL AND correct IS NULL",
    )
    .bind(&attempt)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(ungraded, 0, "an answer was stored after the grade");
}

/// The bank's key: organizers browse and export without it until an admin
/// grants it; the native file (which is the key) is refused to them.
#[tokio::test]
async fn organizers_get_the_bank_without_its_key() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0912000005").await;
    let correct_marks = |page: &Value| -> usize {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|q| q["draft"]["options"].as_array().unwrap().clone())
            .filter(|o| o["correct"] == true)
            .count()
    };
    assert!(correct_marks(&list_page(&admin).await) > 0);
    assert_eq!(correct_marks(&list_page(&organizer).await), 0);
    let csv = organizer.get("/quan-tri/xuat?format=csv").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let key_col = header.iter().position(|h| h.contains("Đáp án")).unwrap();
    let mut rows = csv_rows(&text);
    rows.remove(0);
    assert!(rows.iter().all(|r| r.get(key_col).is_none_or(|k| k.is_empty())));
    assert_eq!(
        organizer
            .get("/quan-tri/xuat?format=native")
            .await
            .status(),
        403
    );
    // Granted by an admin: the key comes with it.
    let id = admin.json("list_users", &[("q", "0912000005")]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .json("set_bank_keys", &[("user_id", &id), ("allowed", "true")])
        .await;
    assert!(correct_marks(&list_page(&organizer).await) > 0);
    assert_eq!(
        organizer
            .get("/quan-tri/xuat?format=native")
            .await
            .status(),
        200
    );
}

async fn list_page(c: &Client) -> Value {
    c.json(
        "list_questions",
        &[
            ("topic", ""),
            ("difficulty", ""),
            ("q", ""),
            ("retired", "false"),
            ("page", "1"),
        ],
    )
    .await
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    hoithi_core::formats::csv_fmt::read_rows(text).unwrap()
}

/// A CSV cell that a spreadsheet would run as a formula is written as text.
#[tokio::test]
async fn csv_export_neutralises_formulas() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let page = admin
        .json(
            "list_questions",
            &[
                ("topic", ""),
                ("difficulty", ""),
                ("q", ""),
                ("retired", "false"),
                ("page", "1"),
            ],
        )
        .await;
    let qid = page["items"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = admin
        .call(
            "save_question",
            &[
                ("id", &qid),
                ("kind", "single"),
                ("topic", "kh171"),
                ("difficulty", "de"),
                ("text", "=HYPERLINK(\"http://evil.example\",\"Bấm\")"),
                ("options", "* Đúng\n- @SUM(A1)"),
                ("answers", ""),
                ("tolerance", ""),
                ("explanation", "+1"),
                ("source", "000 — \"x\""),
                ("image", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let text = admin
        .get("/quan-tri/xuat?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("'=HYPERLINK("), "formula written as text");
    assert!(text.contains("'@SUM(A1)"));
    assert!(!text.contains(",=HYPERLINK") && !text.contains("\"=HYPERLINK"));
}

/// Live codes are long, the limiter runs before the lookup, a seat's QR is
/// for organizers, and an ended final's codes stop working.
#[tokio::test]
async fn live_codes_cannot_be_guessed_or_taken() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0912000006").await;
    let keys = hoithi_tests::single_choice_keys();
    let body = serde_json::json!({"name": "Chung kết thử", "contest_id": "", "finalists": "1; An\n2; Bình",
        "judges": "Giám khảo", "prizes": "Giải Nhất: 1",
        "segments": [{"title": "Khởi động", "kind": "Everyone", "timer_secs": 30,
            "points": {"right": 10.0, "wrong": 0.0, "speed_bonus": 0.0},
            "keys": [keys[0].clone()], "topic": null, "count": 1, "prompts": []}]});
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let d = organizer.json("final_detail", &[("id", &id)]).await;
    let join = d["join_code"].as_str().unwrap().to_string();
    let seat = d["codes"][1]["code"].as_str().unwrap().to_string();
    assert!(join.len() >= 10 && seat.len() >= 10, "{join} {seat}");
    for c in [&join, &seat] {
        assert!(c.chars().all(|ch| "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(ch)));
    }

    // The join code's QR is public; a seat's only for organizers, never cached.
    let anon = s.client();
    let r = anon.get(&format!("/truc-tiep/qr/{join}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(anon.get(&format!("/truc-tiep/qr/{seat}")).await.status(), 401);
    let r = organizer.get(&format!("/truc-tiep/qr/{seat}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");

    // 30 wrong codes from one address, then even the right one waits.
    let guesser = s.client();
    for i in 0..30 {
        let (status, _) = guesser
            .call("live_entry", &[("code", &format!("SAIMA{i:05}"))])
            .await;
        assert_eq!(status, 404);
    }
    let (status, _) = guesser.call("live_entry", &[("code", &seat)]).await;
    assert_eq!(status, 429, "the limiter runs before the lookup");
    assert_eq!(guesser.get(&format!("/truc-tiep/qr/{join}")).await.status(), 429);

    // An ended final: seat codes refused, the audience still sees the board.
    organizer.json("end_final", &[("id", &id)]).await;
    let other = s.another_instance().await;
    let c = other.client();
    let (status, body) = c.call("live_entry", &[("code", &seat)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("đã kết thúc"));
    let (status, _) = c.call("live_entry", &[("code", &join)]).await;
    assert_eq!(status, 200);
}

/// Huge fields are refused before any work, and junk log-ins do not grow
/// the server's memory.
#[tokio::test]
async fn oversized_fields_cost_nothing() {
    let s = Server::start().await;
    let before = s.rss_kib();
    let junk = "x".repeat(60_000);
    for _ in 0..20 {
        let (status, _) = s
            .client()
            .call(
                "login",
                &[("login", &junk), ("password", "x"), ("next", "/")],
            )
            .await;
        assert!(status == 422 || status == 429, "{status}");
    }
    let huge = "x".repeat(2 << 20);
    let (status, _) = s
        .client()
        .call(
            "login",
            &[("login", &huge), ("password", "x"), ("next", "/")],
        )
        .await;
    assert_eq!(status, 413, "a 2 MB field is refused unread");
    let grown = s.rss_kib().saturating_sub(before);
    println!("server RSS grew by {grown} KiB over 21 junk log-ins");
    assert!(grown < 16 * 1024, "grew by {grown} KiB");
    let long_name = "Nguyễn ".repeat(40);
    let (status, body) = s
        .client()
        .call(
            "register",
            &[
                ("full_name", &long_name),
                ("login", "0912000099"),
                ("password", "mat-khau-123"),
                ("password2", "mat-khau-123"),
                ("unit_id", ""),
                ("position", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("dài quá 200 ký tự"), "{body}");
}

/// Behind one trusted proxy, the address is the one the proxy appended: a
/// client writing its own `X-Forwarded-For` does not escape the limit.
#[tokio::test]
async fn forwarded_for_cannot_bypass_the_limiter() {
    let s = Server::start_with_env(&[("HOITHI_TRUST_PROXY", "1")]).await;
    let c = s.client();
    let mut limited = false;
    for i in 0..40 {
        let r = c
            .http
            .post(format!("{}/api/login", s.base))
            .header("Accept", "application/json")
            .header("X-Forwarded-For", format!("203.0.113.{i}, 198.51.100.7"))
            .form(&[
                ("login", format!("09120{i:05}")),
                ("password", "sai".into()),
                ("next", "/".into()),
            ])
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = true;
            assert!(i >= 30, "limited after 30 from one address, not {i}");
            break;
        }
    }
    assert!(limited, "a forged left entry bypassed the per-address limit");
}

/// A tiny workbook naming the sheet's far corner: a clear error, and the
/// server stays up.
#[tokio::test]
async fn xlsx_bomb_is_a_clear_error() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "Câu hỏi").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let (status, to) = admin.upload("questions", "bom.xlsx", bytes, "").await;
    assert_eq!(status, 303);
    let id = to.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    let msg = preview["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("quá lớn"), "{msg}");
    assert_eq!(s.client().get("/healthz").await.status(), 200);
}

/// After log-in only a path on this site: no tab trick, no panic on a
/// control character.
#[tokio::test]
async fn login_redirect_stays_on_site() {
    let s = Server::start().await;
    for next in ["/\t/evil.example", "//evil.example", "/\\evil.example", "/a\nb", "https://evil.example"] {
        let r = s
            .client()
            .http
            .post(format!("{}/api/login", s.base))
            .form(&[
                ("login", "admin"),
                ("password", hoithi_tests::ADMIN_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{next:?}: {}", r.status());
        let to = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert_eq!(to, "/", "{next:?} led to {to:?}");
    }
}

/// A page on another site cannot post to the server or start a download.
#[tokio::test]
async fn cross_site_requests_are_refused() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let post = |origin: Option<&str>, site: Option<&str>| {
        let mut r = admin
            .http
            .post(format!("{}/api/create_contest", s.base))
            .header("Accept", "application/json")
            .form(&[("name", "Cuộc thi giả mạo"), ("description", "")]);
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        if let Some(v) = site {
            r = r.header("Sec-Fetch-Site", v);
        }
        r.send()
    };
    assert_eq!(post(Some("https://evil.example"), None).await.unwrap().status(), 403);
    assert_eq!(post(None, Some("cross-site")).await.unwrap().status(), 403);
    assert_eq!(post(None, Some("same-site")).await.unwrap().status(), 403);
    let same = format!("http://127.0.0.1:{}", s.port);
    assert_eq!(post(Some(&same), Some("same-origin")).await.unwrap().status(), 200);
    let r = admin
        .http
        .get(format!("{}/quan-tri/xuat?format=csv", s.base))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a download from another site");
}

/// Security headers on pages and everything else; over HTTPS, HSTS and a
/// `__Host-` session cookie.
#[tokio::test]
async fn security_headers_and_https_cookie() {
    let s = Server::start().await;
    let r = s.client().get("/").await;
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.contains_key("referrer-policy"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the nonce");
    let api = s.client().call("whoami", &[]).await;
    assert_eq!(api.0, 200);

    let tls = Server::start_with_env(&[("HOITHI_TRUST_PROXY", "1")]).await;
    let r = tls
        .client()
        .http
        .post(format!("{}/api/login", tls.base))
        .header("X-Forwarded-Proto", "https")
        .form(&[
            ("login", "admin"),
            ("password", hoithi_tests::ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("strict-transport-security"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-hoithi_session=") && cookie.contains("; Secure"), "{cookie}");
}

/// Unknown paths under `/api/` are one metrics series, whatever they are.
#[tokio::test]
async fn metrics_labels_are_bounded() {
    let s = Server::start().await;
    for i in 0..25 {
        s.client().call(&format!("khong_co_{i}"), &[]).await;
    }
    let text = s
        .client()
        .http
        .get(format!("{}/metrics", s.base))
        .bearer_auth(hoithi_tests::METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("khong_co"), "made-up names became labels");
    assert!(text.contains("route=\"api:unknown\""));
}

/// An unconfirmed upload is gone a day later.
#[tokio::test]
async fn unconfirmed_uploads_are_purged() {
    let mut s = Server::start().await;
    let admin = s.admin().await;
    let (status, to) = admin
        .upload("questions", "a.aiken", b"Q?\nA. x\nB. y\nANSWER: A\n".to_vec(), "kh171")
        .await;
    assert_eq!(status, 303);
    let id = to.rsplit('/').next().unwrap().to_string();
    let db = hoithi_core::store::Db::connect(&s.database_url()).await.unwrap();
    sqlx::query("UPDATE uploads SET created_at = created_at - 90000000 WHERE id = $1")
        .bind(&id)
        .execute(&db.pool)
        .await
        .unwrap();
    // The sweeper runs at start and every minute.
    s.restart().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads WHERE id = $1")
            .bind(&id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if n == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "upload kept");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A WebSocket frame far past a command's size closes the socket.
#[tokio::test]
async fn websocket_frames_are_capped() {
    use futures::{SinkExt, StreamExt};
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0912000007").await;
    let keys = hoithi_tests::single_choice_keys();
    let body = serde_json::json!({"name": "Chung kết khung", "contest_id": "", "finalists": "1; An",
        "judges": "", "prizes": "Giải Nhất: 1",
        "segments": [{"title": "Khởi động", "kind": "Everyone", "timer_secs": 30,
            "points": {"right": 10.0, "wrong": 0.0, "speed_bonus": 0.0},
            "keys": [keys[0].clone()], "topic": null, "count": 1, "prompts": []}]});
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let d = organizer.json("final_detail", &[("id", &id)]).await;
    let join = d["join_code"].as_str().unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://127.0.0.1:{}/truc-tiep/ws/{join}",
        s.port
    ))
    .await
    .unwrap();
    let _snapshot = ws.next().await;
    let big = "x".repeat(1 << 20);
    let _ = ws
        .send(tokio_tungstenite::tungstenite::Message::Text(big.into()))
        .await;
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the server kept a socket that sent a 1 MB frame");
}
