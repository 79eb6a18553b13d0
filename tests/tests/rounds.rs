//! An online round over HTTP against the real server: organizers set it up,
//! many cadres take it, the rules hold against forged and late requests, and
//! no correct answer reaches a browser before the submit.

use hoithi_tests::{setup_round, Client, Server};
use serde_json::Value;
use std::collections::HashMap;

async fn cadre(s: &Server, n: usize) -> Client {
    let c = s.client();
    let login = format!("09120000{n:02}");
    let (status, body) = c
        .call(
            "register",
            &[
                ("full_name", &format!("Cán bộ {n}")),
                ("login", &login),
                ("password", "mat-khau-123"),
                ("password2", "mat-khau-123"),
                ("unit_id", ""),
                ("position", "Chuyên viên"),
            ],
        )
        .await;
    assert_eq!(status, 200, "register {n}: {body}");
    c
}

/// Starts an attempt at `round`: its id.
async fn start(c: &Client, round: &str) -> String {
    c.json("start_attempt", &[("round_id", round)])
        .await
        .as_str()
        .unwrap()
        .to_string()
}

/// The correct display positions (or typed answer) of each attempt item,
/// looked up in the bank by an admin.
async fn answer_key(admin: &Client, play: &Value) -> Vec<(i64, Vec<(&'static str, String)>)> {
    let mut out = Vec::new();
    for item in play["items"].as_array().unwrap() {
        let text = item["text"].as_str().unwrap();
        let found = admin
            .json(
                "list_questions",
                &[
                    ("topic", ""),
                    ("difficulty", ""),
                    ("q", text),
                    ("retired", "false"),
                    ("page", "1"),
                ],
            )
            .await;
        let q = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["draft"]["text"] == text)
            .expect("question in bank")
            .clone();
        let draft = &q["draft"];
        let pos = item["position"].as_i64().unwrap();
        let form = match draft["kind"].as_str().unwrap() {
            "Short" | "Numeric" => {
                vec![("text", draft["answers"][0].as_str().unwrap().to_string())]
            }
            _ => {
                let correct: Vec<String> = draft["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|o| o["correct"] == true)
                    .map(|o| o["text"].as_str().unwrap().to_string())
                    .collect();
                let shown: Vec<usize> = item["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| correct.iter().any(|c| c == t.as_str().unwrap()))
                    .map(|(i, _)| i)
                    .collect();
                vec![(
                    "choices[0]",
                    shown
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                )]
            }
        };
        out.push((pos, form));
    }
    out
}

/// What an attempt in progress may show: question text, options, the saved
/// answer. Anything naming correctness, explanation or source is a leak.
fn assert_no_leak(body: &str, secrets: &[String]) {
    for word in [
        "correct",
        "explanation",
        "source",
        "\"answers\"",
        "tolerance",
    ] {
        assert!(
            !body.contains(word),
            "attempt response leaks {word}: {body}"
        );
    }
    for s in secrets {
        assert!(
            !body.contains(s.as_str()),
            "attempt response leaks an accepted answer {s}"
        );
    }
}

#[tokio::test]
async fn a_full_round_with_many_cadres() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000101").await;
    let round = setup_round(&organizer, "20", "2").await;

    let mut scores = HashMap::new();
    for n in 0..10 {
        let c = cadre(&s, n).await;
        let mine = c.json("my_rounds", &[]).await;
        assert_eq!(mine[0]["round"]["id"], round.as_str());
        let attempt = start(&c, &round).await;
        let (_, play_body) = c.call("get_attempt", &[("id", &attempt)]).await;
        let play: Value = serde_json::from_str(&play_body).unwrap();
        assert_eq!(play["items"].as_array().unwrap().len(), 8);
        let key = answer_key(&admin, &play).await;
        let secrets: Vec<String> = key
            .iter()
            .filter(|(_, f)| f[0].0 == "text")
            .map(|(_, f)| f[0].1.clone())
            .filter(|a| a.chars().count() > 3 && !play_body.contains(a.as_str()))
            .collect();
        assert_no_leak(&play_body, &secrets);
        // Cadre n answers the first n % 9 questions correctly.
        let right = n % 9;
        for (k, (pos, form)) in key.iter().enumerate().take(right) {
            let mut f: Vec<(&str, &str)> = vec![("attempt_id", &attempt), ("position", "")];
            let p = pos.to_string();
            f[1].1 = &p;
            f.extend(form.iter().map(|(a, b)| (*a, b.as_str())));
            let (status, body) = c.call("save_answer", &f).await;
            assert_eq!(status, 200, "save {k}: {body}");
            assert_no_leak(&body, &secrets);
        }
        // Reloading keeps every saved answer.
        let again: Value = c.json("get_attempt", &[("id", &attempt)]).await;
        let saved = again["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| !i["answer"].is_null())
            .count();
        assert_eq!(saved, right);
        c.json(
            "submit_attempt",
            &[("attempt_id", &attempt), ("prediction", "1")],
        )
        .await;
        let result = c.json("attempt_result", &[("id", &attempt)]).await;
        assert_eq!(result["summary"]["score"], right as i64, "cadre {n}");
        assert!(
            result["review"].is_array(),
            "review after submit is allowed by this round"
        );
        scores.insert(format!("Cán bộ {n}"), right as i64);
        // Another person's attempt is not theirs to see.
        let stranger = admin.call("get_attempt", &[("id", &attempt)]).await;
        assert_eq!(stranger.0, 404);
    }

    let ranking = organizer.json("round_ranking", &[("id", &round)]).await;
    let rows = ranking["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    let ranked: Vec<i64> = rows.iter().map(|r| r["score"].as_i64().unwrap()).collect();
    assert!(
        ranked.windows(2).all(|w| w[0] >= w[1]),
        "ranked by score: {ranked:?}"
    );
    for r in rows {
        assert_eq!(
            scores[r["full_name"].as_str().unwrap()],
            r["score"].as_i64().unwrap()
        );
    }
    assert_eq!(rows[0]["prize"], "Giải Nhất");
    // The public cannot see the ranking before the results are published.
    let (status, body) = s.client().call("round_ranking", &[("id", &round)]).await;
    assert!(
        status >= 400 && body.contains("chưa được công bố"),
        "{status} {body}"
    );

    // The dashboard counts what happened, and every table exports to xlsx.
    let d = organizer.json("round_dashboard", &[("id", &round)]).await;
    assert_eq!(
        (
            d["attempts"].as_i64(),
            d["people"].as_i64(),
            d["in_progress"].as_i64()
        ),
        (Some(10), Some(10), Some(0))
    );
    assert_eq!(d["charts"].as_array().unwrap().len(), 3);
    assert!(d["charts"][0]["svg"].as_str().unwrap().starts_with("<svg"));
    let tables = d["tables"].as_array().unwrap();
    let units = tables.iter().find(|t| t["key"] == "don-vi").unwrap();
    let unassigned = units["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "(Chưa chọn đơn vị)")
        .unwrap();
    assert_eq!(
        (unassigned[2].as_str(), unassigned[3].as_str()),
        (Some("10"), Some("10"))
    );
    let hist = tables.iter().find(|t| t["key"] == "pho-diem").unwrap();
    let counted: i64 = hist["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(counted, 10);
    for t in tables {
        let r = organizer
            .get(&format!(
                "/ban-to-chuc/xuat?vong={round}&bang={}",
                t["key"].as_str().unwrap()
            ))
            .await;
        assert_eq!(r.status().as_u16(), 200);
        assert!(
            r.bytes().await.unwrap().starts_with(b"PK"),
            "an xlsx (zip) file"
        );
    }
    assert_eq!(
        s.client()
            .get(&format!("/ban-to-chuc/xuat?vong={round}&bang=xep-hang"))
            .await
            .status()
            .as_u16(),
        401
    );

    // Close, publish the results, pick and confirm the finalists.
    let info = organizer.json("round_info", &[("id", &round)]).await;
    let contest = info["round"]["contest_id"].as_str().unwrap().to_string();
    let (status, _) = organizer
        .call(
            "round_action",
            &[("round_id", &round), ("action", "publish_results")],
        )
        .await;
    assert!(status >= 400, "results wait for the round to close");
    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish_key")],
        )
        .await;
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish_results")],
        )
        .await;
    let public = s.client().json("round_ranking", &[("id", &round)]).await;
    assert_eq!(public["rows"].as_array().unwrap().len(), 10);
    assert!(
        public["rows"][0]["user_id"].is_null(),
        "the public ranking carries no account ids"
    );
    let proposed = organizer
        .json(
            "propose_finalists",
            &[("contest_id", &contest), ("count", "4"), ("quota", "0")],
        )
        .await;
    let proposed = proposed.as_array().unwrap();
    assert_eq!(proposed.len(), 4);
    let mut form: Vec<(String, String)> = vec![("contest_id".into(), contest.clone())];
    for (i, r) in proposed.iter().enumerate() {
        form.push((
            format!("user_ids[{i}]"),
            r["user_id"].as_str().unwrap().to_string(),
        ));
    }
    let form_ref: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    organizer.json("confirm_finalists", &form_ref).await;
    let detail = organizer.json("contest_detail", &[("id", &contest)]).await;
    let finalists: Vec<&str> = detail["finalists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["full_name"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = proposed
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(finalists, expected);
    let board = organizer
        .json("unit_leaderboard", &[("contest_id", &contest)])
        .await;
    assert_eq!(board["key"], "don-vi");
}

#[tokio::test]
async fn concurrent_starts_stay_within_the_quota() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000201").await;
    let round = setup_round(&organizer, "20", "1").await;
    let c = cadre(&s, 50).await;
    let form = [("round_id", round.as_str())];
    let calls = (0..8).map(|_| c.call("start_attempt", &form));
    let results = futures::future::join_all(calls).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .filter(|(st, _)| *st == 200)
        .map(|(_, b)| b.clone())
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    let attempt: String = serde_json::from_str(ids.iter().next().unwrap()).unwrap();
    c.json(
        "submit_attempt",
        &[("attempt_id", &attempt), ("prediction", "0")],
    )
    .await;
    // A repeated submit is harmless.
    c.json(
        "submit_attempt",
        &[("attempt_id", &attempt), ("prediction", "5")],
    )
    .await;
    let result = c.json("attempt_result", &[("id", &attempt)]).await;
    assert_eq!(result["prediction"], 0);
    // One attempt, reviewed in full: citations name the article, not the
    // seed file behind it.
    let review = result["review"].as_array().unwrap();
    assert_eq!(review.len(), 8);
    for item in review {
        let source = item["source"].as_str().unwrap();
        assert!(!source.contains(".txt") && (source.contains('«') || source.contains("báo")), "{source}");
    }
    let (status, body) = c.call("start_attempt", &[("round_id", &round)]).await;
    assert!(
        status >= 400 && body.contains("hết 1 lượt"),
        "{status} {body}"
    );
}

#[tokio::test]
async fn answers_after_the_deadline_are_refused() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000301").await;
    let round = setup_round(&organizer, "0.5", "3").await;
    let c = cadre(&s, 60).await;
    let attempt = start(&c, &round).await;
    let play = c.json("get_attempt", &[("id", &attempt)]).await;
    let key = answer_key(&admin, &play).await;
    let save = |k: usize| {
        let (pos, form) = key[k].clone();
        let c = &c;
        let attempt = attempt.clone();
        async move {
            let p = pos.to_string();
            let mut f: Vec<(&str, &str)> = vec![("attempt_id", &attempt), ("position", &p)];
            f.extend(form.iter().map(|(a, b)| (*a, b.as_str())));
            c.call("save_answer", &f).await
        }
    };
    assert_eq!(save(0).await.0, 200);
    // 30 s limit plus the 5 s grace, and a little more.
    tokio::time::sleep(std::time::Duration::from_secs(37)).await;
    let (status, body) = save(1).await;
    assert!(status >= 400 && body.contains("hết giờ"), "{status} {body}");
    let (_, body) = c
        .call(
            "submit_attempt",
            &[("attempt_id", &attempt), ("prediction", "3")],
        )
        .await;
    let _ = body;
    let result = c.json("attempt_result", &[("id", &attempt)]).await;
    assert_eq!(result["summary"]["closed_by"], "deadline");
    assert_eq!(
        result["summary"]["score"], 1,
        "only the answer saved in time counts"
    );
    assert!(
        result["prediction"].is_null(),
        "a forged late prediction is ignored"
    );
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    hoithi_core::formats::xlsx::write_rows("Danh sách", &rows)
}

#[tokio::test]
async fn organizers_register_a_units_cadres_from_excel() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let units = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\nUH,Huyện Ứng Hòa,Huyện,,2500\nUH-VD,Thị trấn Vân Đình,Xã,UH,120\n";
    let (_, loc) = admin
        .upload("units", "don-vi.csv", units.as_bytes().to_vec(), "")
        .await;
    admin
        .json("unit_confirm", &[("id", loc.rsplit('/').next().unwrap())])
        .await;
    let organizer = s.user(&admin, "organizer", "0911000501").await;

    // One bad row: every error reported, nobody registered.
    let bad = xlsx(&[
        &["STT", "Họ và tên", "Số điện thoại", "Đơn vị", "Chức vụ"],
        &["1", "Nguyễn Văn An", "0913000001", "UH-VD", "Bí thư chi bộ"],
        &["2", "Trần Thị Bình", "so-sai", "Xã không có", ""],
    ]);
    let (status, loc) = organizer.upload("cadres", "danh-sach.xlsx", bad, "").await;
    assert_eq!(status, 303, "{loc}");
    let id = loc.rsplit('/').next().unwrap().to_string();
    let p = organizer.json("cadre_preview", &[("id", &id)]).await;
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{p}");
    assert!(errors.iter().all(|e| e["line"] == 3));
    let (status, _) = organizer.call("cadre_confirm", &[("id", &id)]).await;
    assert!(status >= 400);
    assert!(
        admin
            .json("list_users", &[("q", "0913000001")])
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing half-imported"
    );

    let good = xlsx(&[
        &[
            "Họ và tên",
            "Điện thoại/Email",
            "Đơn vị",
            "Chức vụ",
            "Mật khẩu",
        ],
        &["Nguyễn Văn An", "0913000001", "UH-VD", "Bí thư chi bộ", ""],
        &[
            "Trần Thị Bình",
            "binh@unghoa.gov.vn",
            "thi tran van dinh",
            "Đảng viên",
            "mat-khau-cua-binh",
        ],
    ]);
    let (_, loc) = organizer.upload("cadres", "danh-sach.xlsx", good, "").await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let reg = organizer.json("cadre_confirm", &[("id", &id)]).await;
    let creds = reg["creds"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    assert_eq!(creds[1]["password"], "mat-khau-cua-binh");
    // The same passwords as a spreadsheet, made at this moment.
    use base64::Engine;
    let sheet = base64::engine::general_purpose::STANDARD
        .decode(reg["xlsx_base64"].as_str().unwrap())
        .unwrap();
    let rows = hoithi_core::formats::xlsx::read_rows(&sheet).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][3], "0913000001");
    assert_eq!(rows[1][4], creds[0]["password"].as_str().unwrap());
    assert_eq!(rows[2][4], "mat-khau-cua-binh");
    // The generated password works, and the cadre sits in the unit.
    let c = s.client();
    let (status, body) = c
        .call(
            "login",
            &[
                ("login", "0913000001"),
                ("password", creds[0]["password"].as_str().unwrap()),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let me = c.json("whoami", &[]).await;
    assert_eq!(
        (me["role"].as_str(), me["unit_name"].as_str()),
        (Some("Contestant"), Some("Thị trấn Vân Đình"))
    );
    // The organizer has seen that password: it must be replaced first.
    assert_eq!(me["must_change_password"], true);
    let (status, body) = c.call("my_rounds", &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("MustChangePassword"), "{body}");
    // The same file twice registers nobody twice.
    let (status, _) = organizer.call("cadre_confirm", &[("id", &id)]).await;
    assert!(status >= 400);
    // Contestants cannot upload lists.
    let (status, _) = c
        .upload(
            "cadres",
            "x.xlsx",
            xlsx(&[&["Họ và tên", "Điện thoại"]]),
            "",
        )
        .await;
    assert_eq!(status, 403);
}

/// Ứng Hòa's contest in small: a unit tree, cadres registered from Excel,
/// one online round taken by all of them, then the organizer closes it,
/// publishes key and results and confirms 16 finalists with a unit quota.
#[tokio::test]
async fn ung_hoa_online_round_to_sixteen_finalists() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let units = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\nUH,Huyện Ứng Hòa,Huyện,,2500\nVD,Thị trấn Vân Đình,Xã,UH,120\nPT,Xã Phương Tú,Xã,UH,100\nHS,Xã Hòa Sơn,Xã,UH,80\nTT,Xã Trầm Lộng,Xã,UH,60\n";
    let (_, loc) = admin
        .upload("units", "don-vi.csv", units.as_bytes().to_vec(), "")
        .await;
    admin
        .json("unit_confirm", &[("id", loc.rsplit('/').next().unwrap())])
        .await;
    // Ứng Hòa's own organizer, granted the district by the city's admin:
    // everything below runs in that scope, none of it as an admin.
    let unit_ids = hoithi_tests::unit_ids(&admin).await;
    let organizer =
        hoithi_tests::organizer_on(&s, &admin, &admin, "0911000601", "unit", &unit_ids["Huyện Ứng Hòa"]).await;

    let communes = ["VD", "PT", "HS", "TT"];
    let mut rows: Vec<Vec<String>> = vec![[
        "Họ và tên",
        "Số điện thoại",
        "Đơn vị",
        "Chức vụ",
        "Mật khẩu",
    ]
    .map(String::from)
    .to_vec()];
    for i in 0..24 {
        rows.push(vec![
            format!("Cán bộ {i:02}"),
            format!("09140000{i:02}"),
            communes[i % 4].to_string(),
            "Đảng viên".into(),
            format!("mat-khau-cb-{i:02}"),
        ]);
    }
    let (_, loc) = organizer
        .upload(
            "cadres",
            "can-bo.xlsx",
            hoithi_core::formats::xlsx::write_rows("Danh sách", &rows),
            "",
        )
        .await;
    let reg = organizer
        .json("cadre_confirm", &[("id", loc.rsplit('/').next().unwrap())])
        .await;
    assert_eq!(reg["creds"].as_array().unwrap().len(), 24);

    let round = hoithi_tests::setup_round_of(&organizer, &unit_ids["Huyện Ứng Hòa"], "20", "2").await;
    for i in 0..24 {
        let c = s.client();
        let (status, body) = c
            .call(
                "login",
                &[
                    ("login", &format!("09140000{i:02}")),
                    ("password", &format!("mat-khau-cb-{i:02}")),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // First log-in after a bulk registration: a password of one's own.
        c.change_password(&format!("mat-khau-cb-{i:02}"), &format!("rieng-cua-toi-{i:02}"))
            .await;
        let attempt = start(&c, &round).await;
        let play = c.json("get_attempt", &[("id", &attempt)]).await;
        let key = answer_key(&admin, &play).await;
        for (pos, form) in key.iter().take((i * 5) % 9) {
            let p = pos.to_string();
            let mut f: Vec<(&str, &str)> = vec![("attempt_id", &attempt), ("position", &p)];
            f.extend(form.iter().map(|(a, b)| (*a, b.as_str())));
            let (status, body) = c.call("save_answer", &f).await;
            assert_eq!(status, 200, "{body}");
        }
        c.json(
            "submit_attempt",
            &[
                ("attempt_id", &attempt),
                ("prediction", &(i % 5).to_string()),
            ],
        )
        .await;
    }

    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish_key")],
        )
        .await;
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish_results")],
        )
        .await;
    let ranking = s.client().json("round_ranking", &[("id", &round)]).await;
    let ranked = ranking["rows"].as_array().unwrap();
    assert_eq!(ranked.len(), 24);
    let prizes = ranked.iter().filter(|r| !r["prize"].is_null()).count();
    assert_eq!(prizes, 3, "1 first and 2 second prizes");

    let info = organizer.json("round_info", &[("id", &round)]).await;
    let contest = info["round"]["contest_id"].as_str().unwrap().to_string();
    let proposed = organizer
        .json(
            "propose_finalists",
            &[("contest_id", &contest), ("count", "16"), ("quota", "5")],
        )
        .await;
    let proposed = proposed.as_array().unwrap();
    assert_eq!(proposed.len(), 16);
    let mut per_unit: HashMap<String, usize> = HashMap::new();
    for r in proposed {
        *per_unit
            .entry(r["unit_name"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(
        per_unit.values().all(|n| *n <= 5),
        "quota per unit: {per_unit:?}"
    );
    let mut form: Vec<(String, String)> = vec![("contest_id".into(), contest.clone())];
    form.extend(proposed.iter().enumerate().map(|(i, r)| {
        (
            format!("user_ids[{i}]"),
            r["user_id"].as_str().unwrap().to_string(),
        )
    }));
    let form_ref: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    organizer.json("confirm_finalists", &form_ref).await;
    let detail = organizer.json("contest_detail", &[("id", &contest)]).await;
    assert_eq!(detail["finalists"].as_array().unwrap().len(), 16);
    let xlsx = organizer
        .get(&format!(
            "/ban-to-chuc/xuat?cuoc_thi={contest}&bang=chung-ket"
        ))
        .await;
    assert_eq!(xlsx.status().as_u16(), 200);
    let rows = hoithi_core::formats::xlsx::read_rows(&xlsx.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 17, "header and 16 finalists");

    // The unit leaderboard: 6 of Vân Đình's 120 took part, and the district
    // rolls up all 24 of its 2500.
    let board = organizer
        .json("unit_leaderboard", &[("contest_id", &contest)])
        .await;
    let row = |name: &str| {
        board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0].as_str().unwrap().trim() == name)
            .unwrap()
            .clone()
    };
    let vd = row("Thị trấn Vân Đình");
    assert_eq!((vd[2].as_str(), vd[4].as_str()), (Some("6"), Some("5.0%")));
    let district = row("Huyện Ứng Hòa");
    assert_eq!(
        (district[2].as_str(), district[4].as_str()),
        (Some("24"), Some("1.0%"))
    );

    // The staged final starts from the confirmed list: seats 1–16 in order,
    // Ứng Hòa's usual six segments drawn from the bank.
    let draft = organizer
        .json("final_draft", &[("contest_id", &contest)])
        .await;
    let lines: Vec<&str> = draft["finalists"].as_str().unwrap().lines().collect();
    assert_eq!(lines.len(), 16);
    let first = detail["finalists"][0]["full_name"].as_str().unwrap();
    assert!(
        lines[0].starts_with(&format!("1; {first}; ")),
        "{}",
        lines[0]
    );
    let body = serde_json::json!({
        "name": draft["name"], "contest_id": contest, "finalists": draft["finalists"],
        "judges": "Giám khảo 1\nGiám khảo 2\nGiám khảo 3", "prizes": draft["prizes"], "segments": draft["segments"],
    });
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let fin = organizer.json("final_detail", &[("id", &id)]).await;
    assert_eq!(fin["codes"].as_array().unwrap().len(), 1 + 16 + 3);
    assert_eq!(fin["segments"].as_array().unwrap().len(), 6);
    let asked: Vec<&str> = fin["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["judged"].as_bool().unwrap())
        .flat_map(|s| {
            s["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
        })
        .collect();
    let distinct: std::collections::HashSet<&str> = asked.iter().copied().collect();
    assert_eq!(asked.len(), 5 + 4 + 5 + 3 + 3);
    assert_eq!(
        distinct.len(),
        asked.len(),
        "no question twice in one final"
    );
    assert_eq!(
        fin["standings"][0]["prize"], "Giải Nhất",
        "everyone level at the start shares the top rank"
    );
}

/// A city's round ranks a quarter of a million people: a browser is sent
/// one page of the ranking at a time, never the whole list, whoever asks.
#[tokio::test]
async fn a_city_sized_ranking_comes_a_page_at_a_time() {
    use hoithi_core::store;
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000977").await;
    let round = setup_round(&organizer, "20", "1").await;
    // 250 people with a graded attempt each, written straight to the store.
    let db = store::Db::connect(&s.database_url()).await.unwrap();
    let now = store::now_ms();
    hoithi_tests::seed_cadres(&db, 250).await;
    let people: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE login LIKE 'tai-thu-%'")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(people.len(), 250);
    for (p, user) in people.iter().enumerate() {
        let p = p as i64;
        sqlx::query("INSERT INTO attempts (id, round_id, user_id, seq, started_at, deadline, finished_at, closed_by, total, score, prediction) VALUES ($1, $2, $3, 1, $4, $5, $6, 'submit', 8, $7, NULL)")
            .bind(store::new_id())
            .bind(&round)
            .bind(user)
            .bind(now - 600_000)
            .bind(now + 600_000)
            .bind(now - 300_000 + p * 1_000)
            .bind(p % 9)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let page = |n: &'static str| {
        let (organizer, round) = (&organizer, round.as_str());
        async move { organizer.json("round_ranking", &[("id", round), ("page", n)]).await }
    };
    // No page named: the first.
    let first = organizer.json("round_ranking", &[("id", round.as_str())]).await;
    assert_eq!(first["total"], 250, "{first}");
    assert_eq!(first["page"], 1);
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 100, "one page, not the whole ranking");
    assert_eq!(rows[0]["rank"], 1);
    // The last page holds the rest, ranked after the pages before it.
    let last = page("3").await;
    assert_eq!(last["page"], 3);
    let rest = last["rows"].as_array().unwrap();
    assert_eq!(rest.len(), 50);
    let second = page("2").await;
    let second_rows = second["rows"].as_array().unwrap();
    assert_eq!(second_rows.len(), 100);
    assert!(
        second_rows.last().unwrap()["rank"].as_u64() <= rest[0]["rank"].as_u64(),
        "{} then {}",
        second_rows.last().unwrap(),
        rest[0]
    );
    let mut names: Vec<&str> = [rows, second_rows, rest]
        .iter()
        .flat_map(|r| r.iter().map(|x| x["full_name"].as_str().unwrap()))
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 250, "every person on exactly one page");
    // A page out of range is the nearest one; a page that is not a number
    // is refused.
    assert_eq!(page("0").await["page"], 1);
    assert_eq!(page("99").await["page"], 3);
    let (status, _) = organizer.call("round_ranking", &[("id", &round), ("page", "x")]).await;
    assert!(status >= 400, "{status}");
    // The ranking's page, as the server renders it, links the pages
    // either side of the one asked for.
    let html = organizer
        .get(&format!("/xep-hang/{round}?trang=2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Trang 2/3 (250 người)"), "{html}");
    assert!(html.contains("href=\"?trang=1\"") && html.contains("href=\"?trang=3\""), "{html}");
    assert!(html.contains("Cán bộ"), "{html}");
    // The contest's overall ranking pages the same way.
    let contest: String = sqlx::query_scalar("SELECT contest_id FROM rounds WHERE id = $1")
        .bind(&round)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let overall = organizer
        .json("overall_ranking", &[("contest_id", &contest), ("page", "3")])
        .await;
    assert_eq!(overall["total"], 250, "{overall}");
    assert_eq!(overall["page"], 3);
    assert_eq!(overall["rows"].as_array().unwrap().len(), 50);
}

/// The scripts a page names: which WebAssembly bundle a full load of it
/// fetches (`hoithi`: the main app; `attempt`: the attempt page's own).
fn bundles_named(html: &str) -> Vec<&'static str> {
    ["/pkg/hoithi.js", "/pkg/hoithi.wasm", "/pkg/attempt.js", "/pkg/attempt.wasm"]
        .into_iter()
        .filter(|b| html.contains(b))
        .collect()
}

/// A cadre's way into and out of an attempt loads one bundle: the attempt
/// page's own, and it is served; the pages on the way load none, and the
/// organizers' pages load the main app.
#[tokio::test]
async fn a_cadres_pages_load_only_the_attempts_bundle() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000331").await;
    let round = setup_round(&organizer, "20", "2").await;
    let c = cadre(&s, 71).await;
    let attempt = start(&c, &round).await;
    let page = |path: String| {
        let c = &c;
        async move {
            let r = c.get(&path).await;
            assert_eq!(r.status().as_u16(), 200, "{path}");
            r.text().await.unwrap()
        }
    };

    let html = page(format!("/bai-thi/{attempt}")).await;
    assert_eq!(bundles_named(&html), ["/pkg/attempt.js", "/pkg/attempt.wasm"], "{html}");
    assert!(html.contains("Câu 1/") && html.contains("hoithi.css"), "{html}");
    assert!(html.contains(r#"action="/api/logout""#), "{html}");
    for asset in ["/pkg/attempt.js", "/pkg/attempt.wasm"] {
        let r = c.get(asset).await;
        assert_eq!(r.status().as_u16(), 200, "{asset}");
        assert!(!r.bytes().await.unwrap().is_empty(), "{asset}");
    }

    for path in [
        "/".to_string(),
        "/dang-nhap".to_string(),
        "/dang-ky".to_string(),
        format!("/vong/{round}"),
    ] {
        let html = page(path.clone()).await;
        assert!(bundles_named(&html).is_empty(), "{path} names a bundle: {html}");
        assert!(html.contains("<form") || html.contains("Vòng thi"), "{path}: {html}");
    }
    let (status, _) = c
        .call("submit_attempt", &[("attempt_id", &attempt), ("prediction", "3")])
        .await;
    assert_eq!(status, 200);
    let html = page(format!("/bai-thi/{attempt}/ket-qua")).await;
    assert!(bundles_named(&html).is_empty() && html.contains("Kết quả bài thi"), "{html}");

    // The organizers' pages are the main app's.
    let html = organizer.get("/ban-to-chuc").await.text().await.unwrap();
    assert_eq!(bundles_named(&html), ["/pkg/hoithi.js", "/pkg/hoithi.wasm"], "{html}");

    // The attempt page's header logs out with a plain form.
    let r = c
        .http
        .post(format!("{}/api/logout", c.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/bai-thi/{attempt}", c.base))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], "/");
    assert!(c.json("whoami", &[]).await.is_null());
}
