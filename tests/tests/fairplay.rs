//! Fair play over HTTP against the real server: draws that avoid what a
//! person has met, a scripted ring of accounts flagged with its evidence
//! while an honest office behind the same address is not, and decisions
//! that take entries out of the ranking (and back), each in the audit log
//! and on the person's result page.

use hoithi_tests::{local_window, new_device, Client, Server};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

async fn register(c: &Client, login: &str, name: &str) {
    let (status, body) = c
        .call(
            "register",
            &[
                ("full_name", name),
                ("login", login),
                ("password", "mat-khau-123"),
                ("password2", "mat-khau-123"),
                ("unit_id", ""),
                ("position", "Chuyên viên"),
            ],
        )
        .await;
    assert_eq!(status, 200, "register {login}: {body}");
}

/// A question's right answer and its wrong ones (by option text, so the
/// same wrong answer is the same whatever the display order), as looked
/// up by an admin.
#[derive(Clone)]
struct Key {
    kind: String,
    right: Vec<String>,
    wrong: Vec<String>,
}

async fn key_of(admin: &Client, text: &str, cache: &mut HashMap<String, Key>) -> Key {
    if let Some(k) = cache.get(text) {
        return k.clone();
    }
    let found = admin
        .json(
            "list_questions",
            &[("topic", ""), ("difficulty", ""), ("q", text), ("retired", "false"), ("page", "1")],
        )
        .await;
    let q = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["draft"]["text"] == text)
        .expect("question in bank")
        .clone();
    let d = &q["draft"];
    let kind = d["kind"].as_str().unwrap().to_string();
    let key = match kind.as_str() {
        "Short" | "Numeric" => Key {
            right: vec![d["answers"][0].as_str().unwrap().to_string()],
            wrong: vec!["987654".into(), "987655".into()],
            kind,
        },
        _ => {
            let opts = d["options"].as_array().unwrap();
            let pick = |want: bool| -> Vec<String> {
                let mut v: Vec<String> = opts
                    .iter()
                    .filter(|o| o["correct"] == want)
                    .map(|o| o["text"].as_str().unwrap().to_string())
                    .collect();
                v.sort();
                v
            };
            Key { right: pick(true), wrong: pick(false), kind }
        }
    };
    cache.insert(text.to_string(), key.clone());
    key
}

/// Answers item `item` of `play`: right, or the `variant`-th wrong answer.
async fn answer(c: &Client, attempt: &str, item: &Value, key: &Key, right: bool, variant: usize) {
    let pos = item["position"].as_i64().unwrap().to_string();
    let mut form: Vec<(&str, String)> = vec![("attempt_id", attempt.into()), ("position", pos)];
    match key.kind.as_str() {
        "Short" | "Numeric" => {
            let t = if right { key.right[0].clone() } else { key.wrong[variant % key.wrong.len()].clone() };
            form.push(("text", t));
        }
        _ => {
            let want: Vec<String> =
                if right { key.right.clone() } else { vec![key.wrong[variant % key.wrong.len()].clone()] };
            let shown: Vec<String> = item["options"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(_, t)| want.iter().any(|w| w == t.as_str().unwrap()))
                .map(|(i, _)| i.to_string())
                .collect();
            form.push(("choices[0]", shown.join(",")));
        }
    }
    let f: Vec<(&str, &str)> = form.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (status, body) = c.call("save_answer", &f).await;
    assert_eq!(status, 200, "save: {body}");
}

/// A published round open now in a new city contest.
async fn round(organizer: &Client, questions: usize, draw: &str, attempts: &str) -> String {
    let contest = organizer
        .json("create_contest", &[("name", "Hội thi công bằng"), ("description", ""), ("unit_id", "")])
        .await;
    let (open, close) = local_window();
    let round = organizer
        .json(
            "save_round",
            &[
                ("contest_id", contest.as_str().unwrap()),
                ("round_id", ""),
                ("name", "Tuần thi"),
                ("opens_at", &open),
                ("closes_at", &close),
                ("questions", &questions.to_string()),
                ("draw", draw),
                ("time_limit_minutes", "20"),
                ("attempts_allowed", attempts),
                ("counting", "best"),
                ("review", "after_submit"),
                ("prediction", "1"),
                ("prizes", "Giải Nhất: 1\nGiải Nhì: 2"),
            ],
        )
        .await;
    let round = round.as_str().unwrap().to_string();
    organizer.json("round_action", &[("round_id", &round), ("action", "publish")]).await;
    round
}

async fn start(c: &Client, round: &str) -> (String, Value) {
    let a = c.json("start_attempt", &[("round_id", round)]).await;
    let a = a.as_str().unwrap().to_string();
    let play = c.json("get_attempt", &[("id", &a)]).await;
    (a, play)
}

#[tokio::test]
async fn draws_avoid_questions_the_person_has_met() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0916000001").await;
    let r = round(&organizer, 8, "lien-quan * 2\n* kho 2", "4").await;
    let c = s.client();
    register(&c, "0916000101", "Nguyễn Văn Một").await;
    // Four attempts of eight from a bank of some two hundred: drawn at
    // random they would overlap more often than not.
    let mut seen: HashSet<String> = HashSet::new();
    for n in 0..4 {
        let (a, play) = start(&c, &r).await;
        for item in play["items"].as_array().unwrap() {
            let text = item["text"].as_str().unwrap().to_string();
            assert!(seen.insert(text.clone()), "attempt {n} drew a question met before: {text}");
        }
        c.json("submit_attempt", &[("attempt_id", &a), ("prediction", "1")]).await;
    }
    assert_eq!(seen.len(), 32);
}

#[tokio::test]
async fn a_ring_is_flagged_an_office_is_not_and_decisions_change_the_ranking() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0916000002").await;
    // Everyone draws the same questions: the whole of one topic.
    let n = hoithi_core::store::seed::bank()
        .unwrap()
        .iter()
        .filter(|(_, q)| q.topic == "kh171")
        .count();
    assert!(n >= 6, "kh171 has {n} questions");
    let r = round(&organizer, n, &format!("kh171 * {n}"), "1").await;
    let mut keys: HashMap<String, Key> = HashMap::new();

    // A ring: three accounts on one phone, the same answers (wrong ones
    // included), the same prediction, submitted at once.
    let phone = new_device();
    let mut ring = Vec::new();
    for i in 0..3 {
        let c = s.client_on_device(&phone);
        register(&c, &format!("09160002{i:02}"), &format!("Vòng Nhóm {i}")).await;
        ring.push(c);
    }
    // An office behind the same address: eight people on their own phones,
    // each wrong on two questions of their own, taking their time.
    let mut office = Vec::new();
    for i in 0..8 {
        let c = s.client_on_device(&new_device());
        register(&c, &format!("09160003{i:02}"), &format!("Văn Phòng {i}")).await;
        office.push(c);
    }
    // And one who is right on everything, in no time.
    let speedy = s.client_on_device(&new_device());
    register(&speedy, "0916000400", "Nhanh Quá").await;

    let mut office_open = Vec::new();
    for (i, c) in office.iter().enumerate() {
        let (a, play) = start(c, &r).await;
        let mut items: Vec<Value> = play["items"].as_array().unwrap().clone();
        items.sort_by_key(|x| x["text"].as_str().unwrap().to_string());
        for (k, item) in items.iter().enumerate() {
            let key = key_of(&admin, item["text"].as_str().unwrap(), &mut keys).await;
            let right = k != i % n && k != (i + 1) % n;
            answer(c, &a, item, &key, right, 1).await;
        }
        office_open.push(a);
    }
    let mut ring_attempts = Vec::new();
    for c in &ring {
        let (a, play) = start(c, &r).await;
        ring_attempts.push(a.clone());
        let mut items: Vec<Value> = play["items"].as_array().unwrap().clone();
        items.sort_by_key(|x| x["text"].as_str().unwrap().to_string());
        for (k, item) in items.iter().enumerate() {
            let key = key_of(&admin, item["text"].as_str().unwrap(), &mut keys).await;
            answer(c, &a, item, &key, k % 2 == 0, 0).await;
        }
        c.json("submit_attempt", &[("attempt_id", &a), ("prediction", "777")]).await;
    }
    let (a, play) = start(&speedy, &r).await;
    for item in play["items"].as_array().unwrap() {
        let key = key_of(&admin, item["text"].as_str().unwrap(), &mut keys).await;
        answer(&speedy, &a, item, &key, true, 0).await;
    }
    speedy.json("submit_attempt", &[("attempt_id", &a), ("prediction", "5")]).await;
    // The office took its time (the ring and the speedy one did not).
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    for (i, (c, a)) in office.iter().zip(&office_open).enumerate() {
        let p = (100 + 13 * i).to_string();
        c.json("submit_attempt", &[("attempt_id", a), ("prediction", &p)]).await;
    }

    // One more cadre leaves the page three times during an attempt.
    let wanderer = s.client_on_device(&new_device());
    register(&wanderer, "0916000500", "Hay Rời Trang").await;
    let (w_attempt, _) = start(&wanderer, &r).await;
    for hidden in ["true", "false", "true", "false", "true", "false"] {
        let (status, body) =
            wanderer.call("attempt_visibility", &[("attempt_id", &w_attempt), ("hidden", hidden)]).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = wanderer
        .call("attempt_traits", &[("attempt_id", &w_attempt), ("traits", "390x844 vi-VN UTC+7")])
        .await;
    assert_eq!(status, 200, "{body}");
    // Someone else's attempt is nobody's business.
    let (status, _) = speedy.call("attempt_visibility", &[("attempt_id", &w_attempt), ("hidden", "true")]).await;
    assert_eq!(status, 404);
    wanderer.json("submit_attempt", &[("attempt_id", &w_attempt), ("prediction", "3")]).await;

    // The review queue, for the round's organizer only.
    let (status, _) = speedy.call("fairplay_review", &[("round_id", &r)]).await;
    assert_eq!(status, 403);
    let review = organizer.json("fairplay_review", &[("round_id", &r)]).await;
    assert_eq!(review["attempts_checked"], 13, "{review:#}");
    let flags = review["flags"].as_array().unwrap().clone();
    let names = |f: &Value| -> Vec<String> {
        let mut v: Vec<String> =
            f["people"].as_array().unwrap().iter().map(|p| p["label"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    let find = |signal: &str| -> Vec<Value> {
        flags.iter().filter(|f| f["signal"].as_str().unwrap() == signal).cloned().collect()
    };
    let device = find("Nhiều tài khoản trên một thiết bị");
    assert_eq!(device.len(), 1, "{flags:#?}");
    assert_eq!(
        names(&device[0]),
        ["Vòng Nhóm 0 (0916000200)", "Vòng Nhóm 1 (0916000201)", "Vòng Nhóm 2 (0916000202)"]
    );
    let evidence = device[0]["evidence"].to_string();
    assert!(evidence.contains("3 tài khoản") && evidence.contains("trả lời giống hệt nhau"), "{evidence}");
    assert_eq!(flags[0]["signal"], "Nhiều tài khoản trên một thiết bị", "strongest first: {flags:#?}");
    let fast = find("Đúng hết với tốc độ bất thường");
    assert_eq!(fast.len(), 1, "{flags:#?}");
    assert_eq!(names(&fast[0]), ["Nhanh Quá (0916000400)"]);
    let prediction = find("Nhóm tài khoản dự đoán trùng một con số");
    assert_eq!(prediction.len(), 1, "{flags:#?}");
    assert!(prediction[0]["evidence"].to_string().contains("777"));
    let hidden = find("Rời trang trong khi làm bài");
    assert_eq!(hidden.len(), 1, "{flags:#?}");
    assert!(hidden[0]["evidence"].to_string().contains("3 lần"), "{hidden:?}");
    // Nobody in the office is named by anything.
    for f in &flags {
        for who in names(f) {
            assert!(!who.starts_with("Văn Phòng"), "an honest office member is flagged: {f:#}");
        }
    }

    let ranked = async |c: &Client| -> Vec<String> {
        let v = c.json("round_ranking", &[("id", &r)]).await;
        let mut names: Vec<String> =
            v["rows"].as_array().unwrap().iter().map(|x| x["full_name"].as_str().unwrap().to_string()).collect();
        names.sort();
        names
    };
    let before = ranked(&organizer).await;
    assert_eq!(before.len(), 13);

    // Decisions: a written reason each.
    // Vòng Nhóm 0's attempt, and Vòng Nhóm 1 as a person.
    let pick = |list: &str, who: &str| -> String {
        device[0][list]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["label"].as_str().unwrap().starts_with(who))
            .map(|p| p["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (ring0_attempt, ring1) = (pick("attempts", "Vòng Nhóm 0"), pick("people", "Vòng Nhóm 1"));
    let decide = async |action: &str, flag: &str, attempt: &str, user: &str, reason: &str| -> (u16, String) {
        organizer
            .call(
                "fairplay_decide",
                &[("round_id", r.as_str()), ("action", action), ("flag_key", flag), ("attempt_id", attempt),
                  ("user_id", user), ("reason", reason)],
            )
            .await
    };
    let (status, body) = decide("disqualify_person", "", "", &ring1, "").await;
    assert_eq!(status, 422, "a reason is required: {body}");
    let (status, _) = decide("disqualify_attempt", "", "khong-co", "", "Thử").await;
    assert_eq!(status, 404);
    let (status, body) = decide("clear", "device:khong-co", "", "", "Thử").await;
    assert_eq!(status, 404, "{body}");

    // The attempt of one, the person of another: both out of the ranking.
    let (status, body) = decide("disqualify_attempt", "", &ring0_attempt, "", "Làm bài chung một máy với hai tài khoản khác").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = decide("disqualify_person", "", "", &ring1, "Chia sẻ đáp án trong nhóm").await;
    assert_eq!(status, 200, "{body}");
    let person_decision: String = serde_json::from_str(&body).unwrap();
    let after = ranked(&organizer).await;
    assert_eq!(after.len(), 11, "{after:?}");
    assert!(after.iter().filter(|n| n.starts_with("Vòng Nhóm")).count() == 1, "{after:?}");
    // Clearing a flag restores nothing that was not removed.
    let fast_key = fast[0]["key"].as_str().unwrap().to_string();
    let (status, body) = decide("clear", &fast_key, "", "", "Đã gọi điện xác minh: thuộc lòng tài liệu").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ranked(&organizer).await, after);

    // The people see the decisions on their result pages.
    for (c, a) in ring.iter().zip(&ring_attempts).take(2) {
        let result = c.json("attempt_result", &[("id", a)]).await;
        let d = result["decision"].as_str().unwrap_or("");
        assert!(d.starts_with("Loại"), "{result:#}");
        assert!(result["rank"].is_null());
    }
    let result = ring[2].json("attempt_result", &[("id", &ring_attempts[2])]).await;
    assert!(result["decision"].is_null(), "{result:#}");

    // The queue shows what was decided; open flags first.
    let review = organizer.json("fairplay_review", &[("round_id", &r)]).await;
    let flags = review["flags"].as_array().unwrap();
    let settled: Vec<&Value> = flags.iter().filter(|f| !f["status"].is_null()).collect();
    assert!(settled.iter().any(|f| f["key"] == fast_key.as_str()));
    let first_settled = flags.iter().position(|f| !f["status"].is_null()).unwrap();
    assert!(flags[first_settled..].iter().all(|f| !f["status"].is_null()), "open flags first");
    assert_eq!(review["decisions"].as_array().unwrap().len(), 3);

    // Lifting the person's disqualification puts them back.
    let (status, body) = organizer.call("fairplay_lift", &[("id", &person_decision), ("reason", "")]).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = organizer
        .call("fairplay_lift", &[("id", &person_decision), ("reason", "Đã xác minh: làm bài độc lập")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = organizer
        .call("fairplay_lift", &[("id", &person_decision), ("reason", "Lần nữa")])
        .await;
    assert_eq!(status, 422, "lifted once");
    assert_eq!(ranked(&organizer).await.len(), 12);

    // Every decision is in the audit log, with its reason.
    let log = organizer.json("audit_log", &[("action", "fairplay"), ("actor", ""), ("from", ""), ("to", "")]).await;
    let text = log.to_string();
    for needle in ["Chia sẻ đáp án trong nhóm", "Đã gọi điện xác minh", "Đã xác minh: làm bài độc lập", "Loại lượt thi thứ 1"] {
        assert!(text.contains(needle), "{needle} not in the audit log: {log:#}");
    }
}

#[tokio::test]
async fn a_disqualified_person_cannot_start_again() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0916000003").await;
    let r = round(&organizer, 8, "", "3").await;
    let c = s.client();
    register(&c, "0916000600", "Bị Loại").await;
    let (a, _) = start(&c, &r).await;
    c.json("submit_attempt", &[("attempt_id", &a), ("prediction", "1")]).await;
    let user = organizer.json("round_ranking", &[("id", &r)]).await["rows"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = organizer
        .call(
            "fairplay_decide",
            &[("round_id", &r), ("action", "disqualify_person"), ("flag_key", ""), ("attempt_id", ""),
              ("user_id", &user), ("reason", "Nhờ người khác thi hộ")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = c.call("start_attempt", &[("round_id", &r)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Nhờ người khác thi hộ"), "{body}");
}
