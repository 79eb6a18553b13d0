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
    // A 2 MB body is refused from its declared length: the answer comes
    // before a byte of it is sent (a client still writing it would see
    // the connection close under it).
    let status = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
        let head = format!(
            "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: application/json\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            s.port,
            2 << 20
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 512];
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("an answer before the body")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        text.split_whitespace().nth(1).unwrap_or_default().to_string()
    };
    assert_eq!(status, "413", "a 2 MB field is refused unread");
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

type Ws = tokio_tungstenite::WebSocketStream<
    tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
>;

/// A final with two seats and one judge; its detail (codes) for the organizer.
async fn two_seat_final(s: &Server, organizer_login: &str) -> (Client, Value) {
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", organizer_login).await;
    let keys = hoithi_tests::single_choice_keys();
    let body = serde_json::json!({"name": "Chung kết gắn thiết bị", "contest_id": "", "finalists": "1; An\n2; Bình",
        "judges": "Giám khảo", "prizes": "Giải Nhất: 1",
        "segments": [{"title": "Khởi động", "kind": "Everyone", "timer_secs": 30,
            "points": {"right": 10.0, "wrong": 0.0, "speed_bonus": 0.0},
            "keys": [keys[0].clone()], "topic": null, "count": 1, "prompts": []}]});
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let d = organizer.json("final_detail", &[("id", &id)]).await;
    (organizer, d)
}

/// A screen's code by what the organizer's list calls it: the host, seat
/// `slot`, or judge `slot` (from 0).
fn code_of(detail: &Value, role: &str, slot: i64) -> String {
    let label = match role {
        "host" => "Người dẫn".to_string(),
        "seat" => format!("Ghế {slot} –"),
        _ => format!("Giám khảo {} –", slot + 1),
    };
    detail["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"].as_str().unwrap().starts_with(&label))
        .unwrap_or_else(|| panic!("no {role} {slot} code in {detail}"))["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The next JSON message, skipping pings; `None` once the socket closed.
async fn next_msg(ws: &mut Ws) -> Option<Value> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .expect("a message or a close in time")
}

/// Messages until one of type `t` (panics if the socket closes first).
async fn until(ws: &mut Ws, t: &str) -> Value {
    loop {
        let m = next_msg(ws)
            .await
            .unwrap_or_else(|| panic!("socket closed before a {t:?} message"));
        if m["t"] == t {
            return m;
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    use futures::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

fn bound(devices: &Value, key: &str) -> bool {
    devices["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["who"] == serde_json::from_str::<Value>(key).unwrap())
        .unwrap_or_else(|| panic!("{key} not in {devices}"))["bound_at"]
        .is_number()
}

/// A photographed seat or judge code is useless on another device: the
/// first device keeps it until the host releases it.
#[tokio::test]
async fn seat_and_judge_codes_bind_to_the_first_device() {
    use hoithi_tests::{live_socket, new_device};
    let s = Server::start().await;
    let (_organizer, d) = two_seat_final(&s, "0912000008").await;
    let seat = code_of(&d, "seat", 1);
    let judge = code_of(&d, "judge", 0);
    let host = code_of(&d, "host", 0);

    // The screen's page gives a browser its device cookie.
    let page = s.client().get(&format!("/truc-tiep/{seat}")).await;
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hoithi_device="))
        .expect("a device cookie from the live page");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");

    let (phone, thief) = (new_device(), new_device());
    let mut mine = live_socket(s.port, &seat, Some(&phone), None).await.unwrap();
    assert_eq!(until(&mut mine, "view").await["view"]["seq"], 0);

    // Another device, or none at all, is refused with a reason.
    for device in [Some(thief.as_str()), None] {
        let mut other = live_socket(s.port, &seat, device, None).await.unwrap();
        let m = next_msg(&mut other).await.expect("a refusal");
        assert_eq!(m["t"], "refused", "{m}");
        assert!(next_msg(&mut other).await.is_none(), "closed after the refusal");
    }
    let entry = |device: &str| {
        let c = reqwest::Client::new();
        let url = format!("{}/api/live_entry", s.base);
        let device = device.to_string();
        let seat = seat.clone();
        async move {
            let r = c
                .post(url)
                .header("cookie", format!("hoithi_device={device}"))
                .header("accept", "application/json")
                .form(&[("code", seat.as_str())])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, body) = entry(&thief).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("thiết bị khác"), "{body}");
    assert_eq!(entry(&phone).await.0, 200);

    // The judge pad likewise.
    let mut pad = live_socket(s.port, &judge, Some(&phone), None).await.unwrap();
    until(&mut pad, "view").await;
    let mut stolen_pad = live_socket(s.port, &judge, Some(&thief), None).await.unwrap();
    assert_eq!(next_msg(&mut stolen_pad).await.unwrap()["t"], "refused");

    // The host sees who holds what; a seat cannot release anything.
    let mut console = live_socket(s.port, &host, None, None).await.unwrap();
    let devices = until(&mut console, "devices").await;
    assert!(bound(&devices, r#"{"Seat":1}"#) && !bound(&devices, r#"{"Seat":2}"#), "{devices}");
    assert!(bound(&devices, r#"{"Judge":0}"#), "{devices}");
    send(&mut mine, serde_json::json!({"t": "release", "id": 7, "who": {"Seat": 1}})).await;
    let m = until(&mut mine, "err").await;
    assert_eq!(m["id"], 7);

    // The host releases seat 1: the old device is told and dropped, and
    // the new device takes the seat.
    send(&mut console, serde_json::json!({"t": "release", "id": 1, "who": {"Seat": 1}})).await;
    assert_eq!(until(&mut console, "ok").await["id"], 1);
    loop {
        let devices = until(&mut console, "devices").await;
        if !bound(&devices, r#"{"Seat":1}"#) {
            break;
        }
    }
    let m = until(&mut mine, "refused").await;
    assert!(m["msg"].as_str().unwrap().contains("thiết bị khác"), "{m}");
    assert!(next_msg(&mut mine).await.is_none());
    let mut replaced = live_socket(s.port, &seat, Some(&thief), None).await.unwrap();
    until(&mut replaced, "view").await;
    assert!(bound(&until(&mut console, "devices").await, r#"{"Seat":1}"#));
    let mut old = live_socket(s.port, &seat, Some(&phone), None).await.unwrap();
    assert_eq!(next_msg(&mut old).await.unwrap()["t"], "refused");
}

/// The audience's code is public: one address cannot open more than its
/// share of sockets, a final no more than its audience cap, and a seat still
/// gets in when both are full.
#[tokio::test]
async fn audience_sockets_are_capped() {
    use hoithi_tests::{live_socket, new_device};
    use tokio_tungstenite::tungstenite::Error;
    let s = Server::start_with_env(&[
        ("HOITHI_WS_PER_ADDRESS", "3"),
        ("HOITHI_WS_AUDIENCE", "5"),
        ("HOITHI_TRUST_PROXY", "1"),
    ])
    .await;
    let (_organizer, d) = two_seat_final(&s, "0912000009").await;
    let join = d["join_code"].as_str().unwrap().to_string();
    let status = |e: Error| match e {
        Error::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    };
    let (a, b) = ("203.0.113.7", "198.51.100.9");
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut ws = live_socket(s.port, &join, None, Some(a)).await.unwrap();
        until(&mut ws, "view").await;
        open.push(ws);
    }
    let refused = live_socket(s.port, &join, None, Some(a)).await.unwrap_err();
    assert_eq!(status(refused), 429);
    for _ in 0..2 {
        let mut ws = live_socket(s.port, &join, None, Some(b)).await.unwrap();
        until(&mut ws, "view").await;
        open.push(ws);
    }
    let full = live_socket(s.port, &join, None, Some(b)).await.unwrap_err();
    assert_eq!(status(full), 503);
    // A seat is never crowded out by the audience.
    let mut seat = live_socket(s.port, &code_of(&d, "seat", 2), Some(&new_device()), Some(a))
        .await
        .unwrap();
    until(&mut seat, "view").await;
    // A closed socket gives its place back.
    let mut first = open.remove(0);
    let _ = first.close(None).await;
    drop(first);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match live_socket(s.port, &join, None, Some(a)).await {
            Ok(mut ws) => {
                until(&mut ws, "view").await;
                break;
            }
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(e) => panic!("the place was not given back: {e}"),
        }
    }
}

/// A closed round's ranking is computed once and then served to everyone
/// from the cache; expensive views that cannot be cached are limited per
/// caller.
#[tokio::test]
async fn rankings_are_cached_and_expensive_views_limited() {
    let s = Server::start().await;
    let (admin, organizer, round) = organizer_round(&s, "1").await;
    let cadre = s.user(&admin, "contestant", "0912000010").await;
    let attempt = take(&cadre, &round).await;
    cadre
        .json("submit_attempt", &[("attempt_id", &attempt), ("prediction", "")])
        .await;
    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    // Two hours pass: the round is closed and settled.
    let db = hoithi_core::store::Db::connect(&s.database_url()).await.unwrap();
    let mut r = hoithi_core::store::rounds::get_one(&db, &round).await.unwrap();
    let hours = 2 * 3_600_000;
    r.rules.opens_at -= hours;
    r.rules.closes_at -= hours;
    sqlx::query("UPDATE rounds SET rules = $1 WHERE id = $2")
        .bind(serde_json::to_string(&r.rules).unwrap())
        .bind(&round)
        .execute(&db.pool)
        .await
        .unwrap();
    organizer
        .json("round_action", &[("round_id", &round), ("action", "publish_results")])
        .await;

    // Far more views than the limit of computations: every one is served.
    let visitor = s.client();
    let first = visitor.json("round_ranking", &[("id", &round)]).await;
    assert_eq!(first["rows"].as_array().unwrap().len(), 1, "{first}");
    for _ in 0..3 * app_heavy_limit() {
        let (status, body) = visitor.call("round_ranking", &[("id", &round)]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), first);
    }
    // The dashboard and its exports likewise.
    for _ in 0..2 * app_heavy_limit() {
        let (status, body) = organizer.call("round_dashboard", &[("id", &round)]).await;
        assert_eq!(status, 200, "{body}");
        let r = organizer
            .get(&format!("/ban-to-chuc/xuat?vong={round}&bang=xep-hang"))
            .await;
        assert_eq!(r.status(), 200);
    }
    // A contest-wide ranking is computed each time: limited per caller (the
    // admin has computed nothing yet this minute).
    let contest = hoithi_core::store::rounds::get_one(&db, &round).await.unwrap().contest_id;
    let mut statuses = Vec::new();
    for _ in 0..app_heavy_limit() + 1 {
        statuses.push(admin.call("overall_ranking", &[("contest_id", &contest)]).await.0);
    }
    assert!(statuses[..app_heavy_limit() as usize].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 429);
}

/// `app::ssr::HEAVY_PER_MINUTE`, which this crate does not link.
fn app_heavy_limit() -> u32 {
    20
}
