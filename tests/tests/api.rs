//! The real server over HTTP: seeding, roles on every protected server
//! function, imports all or nothing, accounts.

use hoithi_tests::{Client, Server};
use serde_json::Value;

const GOOD_GIFT: &str = "$CATEGORY: $course$/kh171\n\n::kh171.test.1::Kế hoạch thực hiện Chỉ thị 24 mang số hiệu nào trong đề thi thử? {=171-KH/TU ~195-KH/TU ~124-QĐ/TW}\n\n::kh171.test.2::Hội nghị quán triệt có bao nhiêu điểm cầu trong đề thi thử? {#649}\n";

async fn total_questions(c: &Client, q: &str) -> i64 {
    let v = c
        .json(
            "list_questions",
            &[
                ("topic", ""),
                ("difficulty", ""),
                ("q", q),
                ("retired", "false"),
                ("page", "1"),
            ],
        )
        .await;
    v["total"].as_i64().expect("total")
}

#[tokio::test]
async fn health_seed_and_first_admin() {
    let s = Server::start().await;
    let c = s.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status().as_u16(), 200);
    let admin = s.admin().await;
    let who = admin.json("whoami", &[]).await;
    assert_eq!(who["role"], "Admin");
    // The directive bank is seeded on first start.
    assert!(total_questions(&admin, "").await >= 200);
    let stats = admin.json("bank_stats", &[]).await;
    for s in stats.as_array().unwrap() {
        let n = s["de"].as_i64().unwrap() + s["tb"].as_i64().unwrap() + s["kho"].as_i64().unwrap();
        assert!(n >= 5, "topic {} has {n} questions", s["topic"]);
    }
    // Pages render on the server, in Vietnamese, before any WebAssembly.
    let html = c.get("/dang-nhap").await.text().await.unwrap();
    assert!(
        html.contains("Mật khẩu") && html.contains("<form"),
        "{html}"
    );
    // Log-in is a plain form: no WebAssembly on the way in (bundle.rs).
    assert!(!html.contains("/pkg/hoithi.js") && html.contains("hoithi.css"), "{html}");
}

/// Every protected server function, called anonymously and as each role.
#[tokio::test]
async fn roles_are_enforced_on_every_protected_function() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000001").await;
    let judge = s.user(&admin, "judge", "0911000002").await;
    let contestant = s.user(&admin, "contestant", "0911000003").await;
    let anon = s.client();

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
    let contestant_id = admin.json("list_users", &[("q", "0911000003")]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a [&'a str]);
    let bank_readers: &[&str] = &["admin", "organizer"];
    let admins: &[&str] = &["admin"];
    let organizers: &[&str] = &["admin", "organizer"];
    let signed_in: &[&str] = &["admin", "organizer", "judge", "contestant"];
    let round_form = || -> Vec<(&str, String)> {
        vec![
            ("contest_id", "khong-co".into()),
            ("round_id", "".into()),
            ("name", "Vòng kiểm thử phân quyền".into()),
            ("opens_at", "2030-01-01T08:00".into()),
            ("closes_at", "2030-01-02T08:00".into()),
            ("questions", "5".into()),
            ("draw", "".into()),
            ("time_limit_minutes", "10".into()),
            ("attempts_allowed", "1".into()),
            ("counting", "best".into()),
            ("review", "never".into()),
            ("prizes", "Giải Nhất: 1".into()),
        ]
    };
    let id = |v: &str| vec![("id", v.to_string())];
    let cases: Vec<Case> = vec![
        (
            "create_contest",
            vec![
                ("name", "Cuộc thi kiểm thử phân quyền".into()),
                ("description", "".into()),
            ],
            organizers,
        ),
        ("contest_detail", id("khong-co"), organizers),
        ("save_round", round_form(), organizers),
        (
            "round_action",
            vec![
                ("round_id", "khong-co".into()),
                ("action", "publish".into()),
            ],
            organizers,
        ),
        (
            "propose_finalists",
            vec![
                ("contest_id", "khong-co".into()),
                ("count", "16".into()),
                ("quota", "0".into()),
            ],
            organizers,
        ),
        (
            "confirm_finalists",
            vec![
                ("contest_id", "khong-co".into()),
                ("user_ids[0]", "khong-co".into()),
            ],
            organizers,
        ),
        (
            "overall_ranking",
            vec![("contest_id", "khong-co".into())],
            organizers,
        ),
        ("round_dashboard", id("khong-co"), organizers),
        (
            "unit_leaderboard",
            vec![("contest_id", "khong-co".into())],
            organizers,
        ),
        ("cadre_preview", id("khong-co"), organizers),
        ("list_finals", vec![], organizers),
        ("final_draft", vec![("contest_id", "".into())], organizers),
        ("final_detail", id("khong-co"), organizers),
        ("cadre_confirm", id("khong-co"), organizers),
        ("end_final", id("khong-co"), organizers),
        (
            "set_bank_keys",
            vec![
                ("user_id", contestant_id.clone()),
                ("allowed", "false".into()),
            ],
            admins,
        ),
        ("my_rounds", vec![], signed_in),
        (
            "change_password",
            vec![
                ("current", "sai-mat-khau".into()),
                ("password", "mat-khau-moi-1".into()),
                ("password2", "mat-khau-moi-1".into()),
                ("next", "/".into()),
            ],
            signed_in,
        ),
        ("reset_password", vec![("login", "khong-co@vi.du".into())], organizers),
        ("logout_others", vec![], signed_in),
        ("list_accommodations", vec![("round_id", "khong-co".into())], organizers),
        (
            "add_accommodation",
            vec![
                ("round_id", "khong-co".into()),
                ("login", "".into()),
                ("unit_id", "".into()),
                ("extra_minutes", "5".into()),
                ("extra_attempts", "0".into()),
                ("closes_at", "".into()),
                ("reason", "thử".into()),
            ],
            organizers,
        ),
        ("remove_accommodation", id("khong-co"), organizers),
        ("fairplay_review", vec![("round_id", "khong-co".into())], organizers),
        ("certificate_settings", vec![("contest_id", "khong-co".into())], organizers),
        (
            "save_certificate_settings",
            vec![("contest_id", "khong-co".into()), ("committee", "Ban Tổ chức".into()), ("seal", "".into())],
            organizers,
        ),
        ("issue_certificates", vec![("round_id", "khong-co".into())], organizers),
        ("round_certificates", vec![("round_id", "khong-co".into())], organizers),
        ("my_certificates", vec![], signed_in),
        (
            "fairplay_decide",
            vec![
                ("round_id", "khong-co".into()),
                ("action", "clear".into()),
                ("flag_key", "device:x".into()),
                ("attempt_id", "".into()),
                ("user_id", "".into()),
                ("reason", "thử".into()),
            ],
            organizers,
        ),
        ("fairplay_lift", vec![("id", "khong-co".into()), ("reason", "thử".into())], organizers),
        (
            "attempt_visibility",
            vec![("attempt_id", "khong-co".into()), ("hidden", "true".into())],
            signed_in,
        ),
        (
            "attempt_traits",
            vec![("attempt_id", "khong-co".into()), ("traits", "390x844 vi UTC+7".into())],
            signed_in,
        ),
        (
            "not_taken",
            vec![("round_id", "khong-co".into()), ("unit_id", "".into())],
            organizers,
        ),
        (
            "audit_log",
            vec![
                ("action", "".into()),
                ("actor", "".into()),
                ("from", "".into()),
                ("to", "".into()),
            ],
            organizers,
        ),
        ("my_contests", vec![], organizers),
        (
            "list_grants",
            vec![("login", "".into()), ("history", "false".into())],
            organizers,
        ),
        (
            "add_grant",
            vec![
                ("login", "khong-co@vi.du".into()),
                ("role", "organizer".into()),
                ("kind", "unit".into()),
                ("target_id", "khong-co".into()),
            ],
            organizers,
        ),
        ("revoke_grant", id("khong-co"), organizers),
        ("my_judging", vec![], &["admin", "organizer", "judge"]),
        (
            "set_user_active",
            vec![("login", "khong-co@vi.du".into()), ("active", "false".into())],
            organizers,
        ),
        (
            "merge_users",
            vec![("keep", "khong-co@vi.du".into()), ("duplicate", "cung-khong-co@vi.du".into())],
            admins,
        ),
        ("round_info", id("khong-co"), signed_in),
        (
            "start_attempt",
            vec![("round_id", "khong-co".into())],
            signed_in,
        ),
        ("get_attempt", id("khong-co"), signed_in),
        (
            "save_answer",
            vec![("attempt_id", "khong-co".into()), ("position", "0".into())],
            signed_in,
        ),
        (
            "submit_attempt",
            vec![("attempt_id", "khong-co".into()), ("prediction", "".into())],
            signed_in,
        ),
        ("attempt_result", id("khong-co"), signed_in),
        (
            "list_questions",
            vec![
                ("topic", "".into()),
                ("difficulty", "".into()),
                ("q", "".into()),
                ("retired", "false".into()),
                ("page", "1".into()),
            ],
            bank_readers,
        ),
        ("bank_stats", vec![], bank_readers),
        ("get_question", vec![("id", qid.clone())], bank_readers),
        (
            "set_question_retired",
            vec![("id", qid.clone()), ("retired", "false".into())],
            admins,
        ),
        ("import_preview", vec![("id", "khong-co".into())], admins),
        ("import_confirm", vec![("id", "khong-co".into())], admins),
        ("import_options", vec![("id", "khong-co".into())], admins),
        ("unit_preview", vec![("id", "khong-co".into())], admins),
        ("unit_confirm", vec![("id", "khong-co".into())], admins),
        ("list_users", vec![("q", "".into())], organizers),
        (
            "set_user_role",
            vec![
                ("user_id", contestant_id.clone()),
                ("role", "contestant".into()),
            ],
            admins,
        ),
        (
            "create_user",
            vec![
                ("full_name", "X".into()),
                ("login", "0911999999".into()),
                ("password", "12345678".into()),
                ("role", "judge".into()),
                ("unit_id", "".into()),
                ("position", "".into()),
            ],
            admins,
        ),
        (
            "save_question",
            vec![
                ("id", qid.clone()),
                ("kind", "single".into()),
                ("topic", "kh171".into()),
                ("difficulty", "de".into()),
                ("text", "Câu hỏi sửa bởi kiểm thử phân quyền?".into()),
                ("options", "* Đúng rồi\n- Chưa đúng".into()),
                ("answers", "".into()),
                ("tolerance", "".into()),
                ("explanation", "Giải thích.".into()),
                ("source", "000 — \"x\"".into()),
                ("image", "".into()),
            ],
            admins,
        ),
    ];
    // Every server function the binary has is in this matrix, or is one of
    // the open ones tested elsewhere: a new function without a row fails here.
    let open_elsewhere = [
        "whoami",        // anyone: who is logged in (api: accounts test)
        "login",         // anyone (accounts test, attacks)
        "logout",        // anyone
        "register",      // anyone, rate limited (accounts test)
        "list_units",    // public unit names for registration
        "list_contests", // public contest names
        "round_ranking", // organizers, or anyone once published (rounds test)
        "live_entry",    // a screen's code is its key (live test, attacks)
        "create_final",  // JSON body: roles checked in the live test
        "verify_certificate", // public: a certificate's QR leads here (certificates test)
    ];
    let listed = std::process::Command::new(hoithi_tests::binary())
        .arg("routes")
        .output()
        .expect("hoithi routes");
    let listed = String::from_utf8(listed.stdout).unwrap();
    let functions: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix("POST /api/"))
        .collect();
    assert!(functions.len() > 40, "{listed}");
    for f in &functions {
        assert!(
            cases.iter().any(|(n, _, _)| n == f) || open_elsewhere.contains(f),
            "server function {f} has no row in the role matrix"
        );
    }
    for (n, _, _) in &cases {
        assert!(functions.contains(n), "{n} is in the matrix but not in the binary");
    }
    let plain: Vec<&str> = listed.lines().filter(|l| !l.contains(" /api/")).collect();
    assert_eq!(
        plain,
        [
            "GET /ban-to-chuc/chung-ket/xuat",
            "GET /ban-to-chuc/chung-nhan",
            "GET /ban-to-chuc/xuat",
            "GET /favicon.ico",
            "GET /favicon.svg",
            "GET /giay-chung-nhan/{serial}",
            "GET /healthz",
            "GET /icon-192.png",
            "GET /icon-512.png",
            "GET /manifest.webmanifest",
            "GET /metrics",
            "GET /quan-tri/nhat-ky/xuat",
            "GET /quan-tri/xuat",
            "GET /truc-tiep/qr/{code}",
            "GET /truc-tiep/ws/{code}",
            "POST /quan-tri/tai-len",
        ],
        "a new route needs its row below"
    );
    let callers: [(&str, &Client); 5] = [
        ("anonymous", &anon),
        ("admin", &admin),
        ("organizer", &organizer),
        ("judge", &judge),
        ("contestant", &contestant),
    ];
    for (name, args, allowed) in &cases {
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // Forbidden callers first, so a permitted mutation cannot hide a leak.
        for (who, client) in callers.iter().rev() {
            let (status, body) = client.call(name, &form).await;
            match *who {
                "anonymous" => assert_eq!(status, 401, "{name} as anonymous: {body}"),
                w if allowed.contains(&w) => assert!(
                    status != 401 && status != 403,
                    "{name} as {w}: {status} {body}"
                ),
                w => assert_eq!(status, 403, "{name} as {w}: {body}"),
            }
        }
    }
    // A role change takes effect on the user's very next request, cached
    // sessions or not.
    // The organizer's role alone opens nothing: a grant does, and its
    // revocation closes it again at once.
    assert_eq!(contestant.call("list_finals", &[]).await.0, 403);
    let (status, body) = admin
        .call(
            "set_user_role",
            &[("user_id", contestant_id.as_str()), ("role", "organizer")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(contestant.call("list_finals", &[]).await.0, 403, "organizer without a grant");
    let grant = admin
        .json(
            "add_grant",
            &[("login", "0911000003"), ("role", "organizer"), ("kind", "all"), ("target_id", "")],
        )
        .await;
    assert_eq!(contestant.call("list_finals", &[]).await.0, 200, "granted at once");
    admin.json("revoke_grant", &[("id", grant.as_str().unwrap())]).await;
    assert_eq!(contestant.call("list_finals", &[]).await.0, 403, "revoked at once");
    for (role, want) in [("organizer", 403), ("contestant", 403)] {
        let (status, body) = admin
            .call(
                "set_user_role",
                &[("user_id", contestant_id.as_str()), ("role", role)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            contestant.call("list_finals", &[]).await.0,
            want,
            "as {role} at once"
        );
    }

    // The allowed edit made a new version.
    let detail = admin.json("get_question", &[("id", &qid)]).await;
    assert_eq!(detail["item"]["version"], 2);
    assert_eq!(detail["versions"].as_array().unwrap().len(), 2);

    // Plain routes: upload (admin) and export (admin, organizer).
    for (who, client, upload_ok, export_ok) in [
        ("anonymous", &anon, 401, 401),
        ("contestant", &contestant, 403, 403),
        ("judge", &judge, 403, 403),
        ("organizer", &organizer, 403, 200),
        ("admin", &admin, 303, 200),
    ] {
        let (status, _) = client
            .upload("questions", "a.gift", GOOD_GIFT.as_bytes().to_vec(), "")
            .await;
        assert_eq!(status, upload_ok, "upload as {who}");
        let r = client.get("/quan-tri/xuat?format=csv").await;
        assert_eq!(r.status().as_u16(), export_ok, "export as {who}");
        let r = client.get("/ban-to-chuc/xuat?cuoc_thi=khong-co&bang=khong-co").await;
        let want = if export_ok == 200 { 404 } else { export_ok };
        assert_eq!(r.status().as_u16(), want, "report export as {who}");
        let r = client.get("/ban-to-chuc/chung-ket/xuat?id=khong-co").await;
        assert_eq!(r.status().as_u16(), want, "final export as {who}");
        let r = client.get("/quan-tri/nhat-ky/xuat").await;
        let want = match who {
            "admin" | "organizer" => 200,
            "anonymous" => 401,
            _ => 403,
        };
        assert_eq!(r.status().as_u16(), want, "audit export as {who}");
        let r = client.get("/metrics").await;
        assert_eq!(r.status().as_u16(), 403, "metrics without the token as {who}");
        let r = client.get("/truc-tiep/qr/KHONGCOMA00").await;
        assert_eq!(r.status().as_u16(), 404, "unknown QR as {who}");
    }
}

#[tokio::test]
async fn import_is_all_or_nothing_with_every_error_reported() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let before = total_questions(&admin, "").await;

    // One good question, then three broken ones: nothing may be imported.
    let bad = format!("{GOOD_GIFT}\nCâu không có đáp án\n\nCâu ghép đôi {{=a -> 1 =b -> 2}}\n\nCâu số sai {{#nhiều}}\n");
    let (status, loc) = admin
        .upload("questions", "hong.gift", bad.into_bytes(), "")
        .await;
    assert_eq!(status, 303);
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    let errors = preview["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{preview}");
    let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![7, 9, 11]);
    assert!(errors
        .iter()
        .all(|e| !e["message"].as_str().unwrap().is_empty()));
    let (status, body) = admin.call("import_confirm", &[("id", &id)]).await;
    assert!(status >= 400, "confirm of a broken file must fail: {body}");
    assert_eq!(total_questions(&admin, "").await, before);

    // The good file: preview, confirm, listed; a second confirm is refused.
    let (_, loc) = admin
        .upload("questions", "tot.gift", GOOD_GIFT.as_bytes().to_vec(), "")
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(preview["counts"]["new"], 2, "{preview}");
    assert_eq!(
        total_questions(&admin, "").await,
        before,
        "the preview alone imports nothing"
    );
    let counts = admin.json("import_confirm", &[("id", &id)]).await;
    assert_eq!(counts["new"], 2);
    assert_eq!(total_questions(&admin, "").await, before + 2);
    assert_eq!(total_questions(&admin, "đề thi thử").await, 2);
    let (status, body) = admin.call("import_confirm", &[("id", &id)]).await;
    assert!(
        status >= 400 && body.contains("đã được nhập"),
        "{status} {body}"
    );

    // The same file again: everything unchanged, nothing new.
    let (_, loc) = admin
        .upload("questions", "lai.gift", GOOD_GIFT.as_bytes().to_vec(), "")
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(preview["counts"]["unchanged"], 2, "{preview}");

    // A duplicate by text under another key is reported and skipped.
    let dup = "::kh171.test.9::KẾ HOẠCH thực hiện Chỉ thị 24 mang số hiệu nào trong đề thi thử {=171-KH/TU ~195-KH/TU}\n";
    let (_, loc) = admin
        .upload("questions", "trung.gift", dup.as_bytes().to_vec(), "kh171")
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(preview["counts"]["duplicates"], 1, "{preview}");
    assert_eq!(preview["entries"][0]["status"], "duplicate");
}

#[tokio::test]
async fn excel_upload_in_the_organisers_layout() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let rows: Vec<Vec<String>> = [
        vec![
            "STT",
            "Câu hỏi",
            "A",
            "B",
            "C",
            "D",
            "Đáp án",
            "Chủ đề",
            "Mức độ",
            "Giải thích",
            "Nguồn",
        ],
        vec![
            "1",
            "Câu Excel một về kỷ cương?",
            "Một",
            "Hai",
            "Ba",
            "Bốn",
            "B",
            "ct24.nv1",
            "Dễ",
            "Vì B.",
            "000",
        ],
        vec![
            "2",
            "Câu Excel hai về kỷ luật?",
            "Một",
            "Hai",
            "Ba",
            "Bốn",
            "A, C",
            "Nhóm nhiệm vụ 2: Phương thức lãnh đạo, quản lý",
            "khó",
            "",
            "",
        ],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect();
    let bytes = hoithi_core::formats::xlsx::write_rows("Sheet1", &rows);
    let (status, loc) = admin.upload("questions", "de-thi.xlsx", bytes, "").await;
    assert_eq!(status, 303, "{loc}");
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(preview["counts"]["new"], 2, "{preview}");
    admin.json("import_confirm", &[("id", &id)]).await;
    let found = admin
        .json(
            "list_questions",
            &[
                ("topic", "ct24.nv2"),
                ("difficulty", "kho"),
                ("q", "câu excel"),
                ("retired", "false"),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(found["total"], 1);
    let q = &found["items"][0]["draft"];
    assert_eq!(q["kind"], "Multiple");

    // A broken workbook: one clear Vietnamese error, nothing imported.
    let (_, loc) = admin
        .upload(
            "questions",
            "hong.xlsx",
            b"PK\x03\x04 not really".to_vec(),
            "",
        )
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = admin.json("import_preview", &[("id", &id)]).await;
    assert!(
        preview["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Excel"),
        "{preview}"
    );
}

#[tokio::test]
async fn accounts_register_login_logout_and_rate_limit() {
    let s = Server::start().await;
    let c = s.client();
    let reg = |login: &'static str, p1: &'static str, p2: &'static str| {
        vec![
            ("full_name", "Nguyễn Văn An"),
            ("login", login),
            ("password", p1),
            ("password2", p2),
            ("unit_id", ""),
            ("position", "Chuyên viên"),
        ]
    };
    let (status, body) = c
        .call("register", &reg("0912345678", "mat-khau-1", "khac-nhau"))
        .await;
    assert!(status >= 400 && body.contains("không khớp"), "{body}");
    let (status, body) = c
        .call("register", &reg("12", "mat-khau-1", "mat-khau-1"))
        .await;
    assert!(status >= 400 && body.contains("không hợp lệ"), "{body}");
    let (status, body) = c
        .call(
            "register",
            &reg("+84 912 345 678", "mat-khau-1", "mat-khau-1"),
        )
        .await;
    assert!(status < 400, "{status} {body}");
    let who = c.json("whoami", &[]).await;
    assert_eq!(who["role"], "Contestant");
    assert_eq!(who["login"], "0912345678");
    // The same phone again is refused.
    let (status, body) = s
        .client()
        .call("register", &reg("0912345678", "mat-khau-1", "mat-khau-1"))
        .await;
    assert!(status >= 400 && body.contains("đã được đăng ký"), "{body}");
    // The session cookie is HttpOnly and SameSite.
    let r = s
        .client()
        .http
        .post(format!("{}/api/login", s.base))
        .header("Accept", "application/json")
        .form(&[
            ("login", "0912345678"),
            ("password", "mat-khau-1"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    c.call("logout", &[]).await;
    assert_eq!(c.json("whoami", &[]).await, Value::Null);

    // Wrong passwords: refused with one message, then rate-limited per account.
    let attacker = s.client();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = attacker
            .call(
                "login",
                &[
                    ("login", "0912345678"),
                    ("password", "sai-mat-khau"),
                    ("next", "/"),
                ],
            )
            .await;
        statuses.push(status);
    }
    assert!(
        statuses[..10].iter().all(|s| *s >= 400 && *s != 429),
        "{statuses:?}"
    );
    assert_eq!(statuses[11], 429, "{statuses:?}");
    // An open redirect through `next` is not followed.
    let r = s
        .client()
        .http
        .post(format!("{}/api/login", s.base))
        .form(&[
            ("login", "admin"),
            ("password", hoithi_tests::ADMIN_PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(loc, "/", "{loc}");

    // Without JavaScript: the form posts, the error comes back on the page.
    let plain = s.client();
    let r = plain
        .http
        .post(format!("{}/api/login", s.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/dang-nhap", s.base))
        .form(&[("login", "admin"), ("password", "sai"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let back = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let page = plain
        .http
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sai tài khoản hoặc mật khẩu"), "{page}");
}

#[tokio::test]
async fn unit_tree_from_csv_all_or_nothing() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let bad = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\nUH,Huyện Ứng Hòa,Huyện,,2500\nUH-X,Xã lạc,Xã,KHONG-CO,10\n";
    let (_, loc) = admin
        .upload("units", "don-vi.csv", bad.as_bytes().to_vec(), "")
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let p = admin.json("unit_preview", &[("id", &id)]).await;
    assert_eq!(p["errors"][0]["line"], 3, "{p}");
    let (status, _) = admin.call("unit_confirm", &[("id", &id)]).await;
    assert!(status >= 400);
    assert_eq!(
        admin
            .json("list_units", &[])
            .await
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let good = "\u{feff}Mã;Tên đơn vị;Cấp;Mã cấp trên;Số người\r\nUH-VD;Xã Vân Đình;Xã;UH;120\r\nUH;Huyện Ứng Hòa;Huyện;;2500\r\nUH-VD-1;Chi bộ thôn 1;Chi bộ;UH-VD;15\r\n";
    let (_, loc) = admin
        .upload("units", "don-vi.csv", good.as_bytes().to_vec(), "")
        .await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let p = admin.json("unit_preview", &[("id", &id)]).await;
    assert!(p["errors"].as_array().unwrap().is_empty(), "{p}");
    let added = admin.json("unit_confirm", &[("id", &id)]).await;
    assert_eq!(added, serde_json::json!([3, 0]));
    let units = admin.json("list_units", &[]).await;
    let tree: Vec<(String, i64)> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["code"].as_str().unwrap().to_string(),
                u["depth"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tree,
        vec![("UH".into(), 0), ("UH-VD".into(), 1), ("UH-VD-1".into(), 2)]
    );

    // A cadre registers into a unit of the tree.
    let unit_id = units[2]["id"].as_str().unwrap();
    let c = s.client();
    let (status, body) = c
        .call(
            "register",
            &[
                ("full_name", "Trần Thị Bình"),
                ("login", "binh@unghoa.vn"),
                ("password", "mat-khau-1"),
                ("password2", "mat-khau-1"),
                ("unit_id", unit_id),
                ("position", "Đảng viên"),
            ],
        )
        .await;
    assert!(status < 400, "{body}");
    assert_eq!(c.json("whoami", &[]).await["unit_name"], "Chi bộ thôn 1");
}

#[tokio::test]
async fn a_start_redirects_a_form_and_tells_the_script() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000911").await;
    let round = hoithi_tests::setup_round(&organizer, "20", "1").await;
    let cadre = s.user(&admin, "contestant", "0911000912").await;
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    // The server-function client: a 200 with the attempt's id, and the
    // header it follows instead of a real redirect.
    let r = cadre
        .http
        .post(format!("{}/api/start_attempt", s.base))
        .header("Accept", "application/json")
        .form(&[("round_id", round.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().contains_key("serverfnredirect"));
    let to = location(&r);
    let id: String = r.json().await.unwrap();
    assert_eq!(to, format!("/bai-thi/{id}"));
    // A form posted without JavaScript: a 302 to the same attempt, resumed.
    let r = cadre
        .http
        .post(format!("{}/api/start_attempt", s.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/vong-thi/{round}", s.base))
        .form(&[("round_id", round.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert!(!r.headers().contains_key("serverfnredirect"));
    assert_eq!(location(&r), to);
}

#[tokio::test]
async fn metrics_for_prometheus() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0911000901").await;
    let round = hoithi_tests::setup_round(&organizer, "20", "1").await;
    let cadre = s.user(&admin, "contestant", "0911000902").await;
    cadre.json("start_attempt", &[("round_id", &round)]).await;
    for _ in 0..3 {
        s.client().call("whoami", &[]).await;
    }
    // No token, or a wrong one: refused.
    assert_eq!(s.client().get("/metrics").await.status(), 403);
    let wrong = s
        .client()
        .http
        .get(format!("{}/metrics", s.base))
        .bearer_auth("sai")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
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
    let value = |line: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("no {line} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(value("hoithi_requests_total{route=\"api:whoami\"}") >= 3.0);
    assert_eq!(
        value("hoithi_request_seconds_bucket{route=\"api:start_attempt\",le=\"+Inf\"}"),
        1.0
    );
    assert_eq!(value("hoithi_attempts_in_progress"), 1.0);
    assert!(text.contains("# TYPE hoithi_request_seconds histogram"));
    assert!(text.contains("# TYPE hoithi_live_sockets gauge"));
}
