//! Scopes over HTTP: two districts, each with its own contest, round, final
//! and organizer, and a commune organizer under one of them. Every
//! organizer-facing server function and route is called by each of the
//! three on each district's objects; the set allowed must be exact.

use hoithi_tests::{import_units, organizer_on, setup_round_of, Client, Server};
use serde_json::{json, Value};

const UNITS: &str = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\n\
UH,Huyện Ứng Hòa,Huyện,,2500\n\
VD,Thị trấn Vân Đình,Xã,UH,120\n\
ML,Huyện Mê Linh,Huyện,,2000\n\
TP,Xã Tiền Phong,Xã,ML,90\n";

struct Callers<'a> {
    all: [(&'static str, &'a Client); 3],
}

impl Callers<'_> {
    /// Calls `name` as each organizer: exactly `allowed` get past the scope
    /// check (anything but 401/403), the others 403.
    async fn check(&self, name: &str, form: &[(&str, &str)], allowed: &[&str]) {
        // Refused callers first, so an allowed change cannot hide a leak.
        let mut order: Vec<_> = self.all.iter().collect();
        order.sort_by_key(|(who, _)| allowed.contains(who));
        for (who, client) in order {
            let (status, body) = client.call(name, form).await;
            if allowed.contains(who) {
                assert!(status != 401 && status != 403, "{name} as {who}: {status} {body}");
            } else {
                assert_eq!(status, 403, "{name} as {who} must be refused: {body}");
            }
        }
    }

    async fn check_json(&self, name: &str, body: &Value, allowed: &[&str]) {
        for (who, client) in &self.all {
            let (status, text) = client.call_json(name, body).await;
            if allowed.contains(who) {
                assert!(status != 401 && status != 403, "{name} as {who}: {status} {text}");
            } else {
                assert_eq!(status, 403, "{name} as {who} must be refused: {text}");
            }
        }
    }

    async fn check_get(&self, path: &str, allowed: &[&str]) {
        for (who, client) in &self.all {
            let status = client.get(path).await.status().as_u16();
            if allowed.contains(who) {
                assert_eq!(status, 200, "GET {path} as {who}");
            } else {
                assert_eq!(status, 403, "GET {path} as {who} must be refused");
            }
        }
    }
}

async fn final_of(organizer: &Client, contest: &str) -> String {
    let draft = organizer.json("final_draft", &[("contest_id", contest)]).await;
    let body = json!({
        "name": draft["name"], "contest_id": contest, "finalists": "1; An; X\n2; Bình; Y",
        "judges": "Giám khảo 1\nGiám khảo 2", "prizes": "Giải Nhất: 1", "segments": [draft["segments"][0]],
    });
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn rows(v: &Value) -> Vec<String> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn organizers_get_nothing_of_another_district() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let units = import_units(&admin, UNITS).await;
    let (uh_unit, vd_unit, ml_unit, tp_unit) = (
        units["Huyện Ứng Hòa"].clone(),
        units["Thị trấn Vân Đình"].clone(),
        units["Huyện Mê Linh"].clone(),
        units["Xã Tiền Phong"].clone(),
    );
    let uh = organizer_on(&s, &admin, &admin, "0919000001", "unit", &uh_unit).await;
    let ml = organizer_on(&s, &admin, &admin, "0919000002", "unit", &ml_unit).await;
    // The district hands its commune on: delegation down the tree.
    let vd = organizer_on(&s, &admin, &uh, "0919000003", "unit", &vd_unit).await;
    let who = Callers {
        all: [("uh", &uh), ("ml", &ml), ("vd", &vd)],
    };

    // Contests belong to their committee; nobody starts one elsewhere.
    for (client, owner) in [(&uh, &ml_unit), (&uh, &String::new()), (&vd, &uh_unit), (&ml, &vd_unit)] {
        let (status, body) = client
            .call("create_contest", &[("name", "Lạc chỗ"), ("description", ""), ("unit_id", owner)])
            .await;
        assert_eq!(status, 403, "create a contest of {owner:?}: {body}");
    }
    let r_uh = setup_round_of(&uh, &uh_unit, "20", "1").await;
    let r_ml = setup_round_of(&ml, &ml_unit, "20", "1").await;
    let c_uh = uh.json("round_info", &[("id", &r_uh)]).await["round"]["contest_id"]
        .as_str()
        .unwrap()
        .to_string();
    let c_ml = ml.json("round_info", &[("id", &r_ml)]).await["round"]["contest_id"]
        .as_str()
        .unwrap()
        .to_string();

    // Cadres of the commune, the district and the other district.
    let cadre_vd = s.cadre_in(&admin, "Cán bộ Vân Đình", "0919100001", &vd_unit).await;
    let cadre_uh = s.cadre_in(&admin, "Cán bộ Ứng Hòa", "0919100002", &uh_unit).await;
    let cadre_tp = s.cadre_in(&admin, "Cán bộ Tiền Phong", "0919100003", &tp_unit).await;
    for c in [&cadre_vd, &cadre_uh] {
        let a = c.json("start_attempt", &[("round_id", &r_uh)]).await;
        c.json("submit_attempt", &[("attempt_id", a.as_str().unwrap()), ("prediction", "1")])
            .await;
    }
    // A district's round is its own cadres': Mê Linh's cannot take it.
    let (status, body) = cadre_tp.call("start_attempt", &[("round_id", &r_uh)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Huyện Ứng Hòa"), "{body}");
    let mine = cadre_tp.json("my_rounds", &[]).await;
    let ids: Vec<&str> = mine.as_array().unwrap().iter().map(|r| r["round"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [r_ml.as_str()], "Tiền Phong sees Mê Linh's round only");

    let f_uh = final_of(&uh, &c_uh).await;
    let f_ml = final_of(&ml, &c_ml).await;
    let acc_uh = uh
        .json(
            "add_accommodation",
            &[("round_id", &r_uh), ("login", "0919100001"), ("unit_id", ""), ("extra_minutes", "5"),
              ("extra_attempts", "0"), ("closes_at", ""), ("reason", "Mất mạng")],
        )
        .await;
    let acc_uh = acc_uh.as_str().unwrap().to_string();

    // Each district's objects: (contest, round, final, a cadre, who runs it,
    // who sees a part of it).
    let sides: [(&str, &str, &str, &str, &str, &[&str]); 2] = [
        (&c_uh, &r_uh, &f_uh, "0919100001", "uh", &["uh", "vd"]),
        (&c_ml, &r_ml, &f_ml, "0919100003", "ml", &["ml"]),
    ];
    for (contest, round, fin, cadre, runs, sees) in sides {
        let runs: &[&str] = &[runs];
        who.check("contest_detail", &[("id", contest)], sees).await;
        who.check("overall_ranking", &[("contest_id", contest)], sees).await;
        who.check("unit_leaderboard", &[("contest_id", contest)], sees).await;
        who.check("round_dashboard", &[("id", round)], sees).await;
        who.check("not_taken", &[("round_id", round), ("unit_id", "")], sees).await;
        who.check("list_accommodations", &[("round_id", round)], runs).await;
        who.check("fairplay_review", &[("round_id", round)], runs).await;
        who.check("round_certificates", &[("round_id", round)], runs).await;
        who.check("issue_certificates", &[("round_id", round)], runs).await;
        who.check("certificate_settings", &[("contest_id", contest)], runs).await;
        who.check(
            "save_certificate_settings",
            &[("contest_id", contest), ("committee", "Ban Tổ chức Hội thi"), ("seal", "")],
            runs,
        )
        .await;
        who.check_get(&format!("/ban-to-chuc/chung-nhan?vong={round}&dang=xlsx"), runs).await;
        who.check(
            "fairplay_decide",
            &[("round_id", round), ("action", "disqualify_person"), ("flag_key", ""), ("attempt_id", ""),
              ("user_id", "khong-co"), ("reason", "Kiểm thử")],
            runs,
        )
        .await;
        who.check(
            "add_accommodation",
            &[("round_id", round), ("login", cadre), ("unit_id", ""), ("extra_minutes", "1"),
              ("extra_attempts", "0"), ("closes_at", ""), ("reason", "Kiểm thử")],
            runs,
        )
        .await;
        who.check(
            "save_round",
            &[("contest_id", contest), ("round_id", ""), ("name", "Vòng hai"), ("opens_at", "2030-01-01T08:00"),
              ("closes_at", "2030-01-02T08:00"), ("questions", "5"), ("draw", ""), ("time_limit_minutes", "10"),
              ("attempts_allowed", "1"), ("counting", "best"), ("review", "never"), ("prizes", "Giải Nhất: 1")],
            runs,
        )
        .await;
        who.check("round_action", &[("round_id", round), ("action", "publish")], runs).await;
        who.check("propose_finalists", &[("contest_id", contest), ("count", "2"), ("quota", "0")], runs).await;
        who.check("confirm_finalists", &[("contest_id", contest), ("user_ids[0]", "khong-co")], runs).await;
        who.check("final_draft", &[("contest_id", contest)], runs).await;
        who.check("final_detail", &[("id", fin)], runs).await;
        who.check_json(
            "create_final",
            &json!({"name": "Chung kết khác", "contest_id": contest, "finalists": "1; A", "judges": "",
                    "prizes": "", "segments": []}),
            runs,
        )
        .await;
        who.check("reset_password", &[("login", cadre)], sees).await;
        who.check("set_user_active", &[("login", cadre), ("active", "true")], sees).await;
        // Handing the contest to one of its own cadres.
        who.check(
            "add_grant",
            &[("login", cadre), ("role", "organizer"), ("kind", "contest"), ("target_id", contest)],
            runs,
        )
        .await;
        who.check_get(&format!("/ban-to-chuc/xuat?vong={round}&bang=xep-hang"), sees).await;
        who.check_get(&format!("/ban-to-chuc/xuat?vong={round}&bang=chua-tham-gia"), sees).await;
        who.check_get(&format!("/ban-to-chuc/xuat?cuoc_thi={contest}&bang=don-vi"), sees).await;
        who.check_get(&format!("/ban-to-chuc/xuat?cuoc_thi={contest}&bang=xep-hang"), sees).await;
        who.check_get(&format!("/ban-to-chuc/chung-ket/xuat?id={fin}"), runs).await;
    }
    who.check("remove_accommodation", &[("id", &acc_uh)], &["uh"]).await;
    // A unit outside one's subtree is refused even in a contest one sees.
    who.check("not_taken", &[("round_id", &r_uh), ("unit_id", &uh_unit)], &["uh"]).await;
    // Handing on stays inside one's own scope.
    who.check(
        "add_grant",
        &[("login", "0919100001"), ("role", "organizer"), ("kind", "unit"), ("target_id", &vd_unit)],
        &["uh", "vd"],
    )
    .await;
    who.check(
        "add_grant",
        &[("login", "0919100001"), ("role", "organizer"), ("kind", "all"), ("target_id", "")],
        &[],
    )
    .await;

    // What each sees of the Ứng Hòa round: the commune its own cadre only.
    let full = uh.json("overall_ranking", &[("contest_id", &c_uh)]).await;
    assert_eq!(rows(&full).len(), 2);
    let part = vd.json("overall_ranking", &[("contest_id", &c_uh)]).await;
    assert_eq!(rows(&part), ["Cán bộ Vân Đình"]);
    let dash = vd.json("round_dashboard", &[("id", &r_uh)]).await;
    assert_eq!(dash["people"], 1);
    assert_eq!(dash["manage"], false);
    let units_seen: Vec<String> = dash["tables"][1]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().trim().to_string())
        .collect();
    assert_eq!(units_seen, ["Thị trấn Vân Đình"]);
    let board = uh.json("unit_leaderboard", &[("contest_id", &c_uh)]).await;
    let names: Vec<String> = board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().trim().to_string())
        .collect();
    assert_eq!(names, ["Huyện Ứng Hòa", "Thị trấn Vân Đình"], "the contest's units only");

    // Lists are scoped, not just refusals.
    let titles = |v: Value| -> Vec<(String, bool)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| (m["contest"]["id"].as_str().unwrap().to_string(), m["manage"].as_bool().unwrap()))
            .collect()
    };
    // Each sees its own district's contest (and its part of any city
    // contest), never the other district's.
    let ours = |list: Vec<(String, bool)>| -> Vec<(String, bool)> {
        list.into_iter().filter(|(id, _)| *id == c_uh || *id == c_ml).collect()
    };
    assert_eq!(ours(titles(uh.json("my_contests", &[]).await)), [(c_uh.clone(), true)]);
    assert_eq!(ours(titles(vd.json("my_contests", &[]).await)), [(c_uh.clone(), false)]);
    assert_eq!(ours(titles(ml.json("my_contests", &[]).await)), [(c_ml.clone(), true)]);
    let city = titles(admin.json("my_contests", &[]).await);
    assert!(city.iter().all(|(_, manage)| *manage) && city.len() == 2, "{city:?}");
    let finals = |v: Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(finals(uh.json("list_finals", &[]).await), [f_uh.clone()]);
    assert_eq!(finals(ml.json("list_finals", &[]).await), [f_ml.clone()]);
    assert!(finals(vd.json("list_finals", &[]).await).is_empty());
    let logins = |v: Value| -> Vec<String> {
        let mut l: Vec<String> =
            v.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_string()).collect();
        l.sort();
        l
    };
    let seen = logins(uh.json("list_users", &[("q", "09191")]).await);
    assert_eq!(seen, ["0919100001", "0919100002"]);
    assert_eq!(logins(vd.json("list_users", &[("q", "09191")]).await), ["0919100001"]);
    assert_eq!(logins(ml.json("list_users", &[("q", "09191")]).await), ["0919100003"]);

    // The audit log: a district reads its contests' entries only.
    let uh_log = audit(&uh).await;
    assert!(uh_log.contains(&format!("round.publish {r_uh}")), "{uh_log:?}");
    assert!(uh_log.contains(&format!("round.accommodation {r_uh}")), "{uh_log:?}");
    assert!(!uh_log.iter().any(|a| a.ends_with(&r_ml)), "{uh_log:?}");
    let ml_log = audit(&ml).await;
    assert!(ml_log.contains(&format!("round.accommodation {r_ml}")), "{ml_log:?}");
    assert!(!ml_log.iter().any(|a| a.ends_with(&r_uh)), "nothing of Ứng Hòa: {ml_log:?}");
    assert!(audit(&vd).await.is_empty(), "the commune runs no contest");
    let (status, _) = uh.call("list_users", &[("q", "")]).await;
    assert_eq!(status, 200);

    // Bulk registration: a commune registers its own cadres, never another's.
    let rows_of = |unit: &str| {
        hoithi_core::formats::xlsx::write_rows(
            "Danh sách",
            &[
                vec!["Họ và tên".into(), "Số điện thoại".into(), "Đơn vị".into(), "Chức vụ".into()],
                vec!["Người mới".into(), "0919200001".into(), unit.to_string(), "Đảng viên".into()],
            ],
        )
    };
    let (_, loc) = vd.upload("cadres", "ds.xlsx", rows_of("Xã Tiền Phong"), "").await;
    let id = loc.rsplit('/').next().unwrap().to_string();
    let preview = vd.json("cadre_preview", &[("id", &id)]).await;
    assert!(
        preview["errors"][0]["message"].as_str().unwrap().contains("ngoài phạm vi"),
        "{preview}"
    );
    let (status, _) = vd.call("cadre_confirm", &[("id", &id)]).await;
    assert_eq!(status, 422, "nobody registered");
    let (_, loc) = vd.upload("cadres", "ds.xlsx", rows_of("Thị trấn Vân Đình"), "").await;
    let reg = vd.json("cadre_confirm", &[("id", loc.rsplit('/').next().unwrap())]).await;
    assert_eq!(reg["creds"].as_array().unwrap().len(), 1);

    // Judges per final: the judge sees their own screen's code, nothing else.
    let judge = s.cadre_in(&admin, "Giám khảo Ứng Hòa", "0919300001", &uh_unit).await;
    let (status, body) = ml
        .call("add_grant", &[("login", "0919300001"), ("role", "judge"), ("kind", "final"), ("target_id", &f_uh), ("judge_no", "2")])
        .await;
    assert_eq!(status, 403, "Mê Linh cannot seat a judge in Ứng Hòa's final: {body}");
    let (status, body) = uh
        .call("add_grant", &[("login", "0919300001"), ("role", "judge"), ("kind", "final"), ("target_id", &f_uh), ("judge_no", "3")])
        .await;
    assert_eq!(status, 422, "the panel has two judges: {body}");
    uh.json("add_grant", &[("login", "0919300001"), ("role", "judge"), ("kind", "final"), ("target_id", &f_uh), ("judge_no", "2")])
        .await;
    let seats = judge.json("my_judging", &[]).await;
    let detail = uh.json("final_detail", &[("id", &f_uh)]).await;
    let judge2 = detail["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"].as_str().unwrap().starts_with("Giám khảo 2"))
        .unwrap()["code"]
        .clone();
    assert_eq!(seats.as_array().unwrap().len(), 1);
    assert_eq!(seats[0]["code"], judge2);
    let (status, _) = judge.call("final_detail", &[("id", &f_uh)]).await;
    assert_eq!(status, 403, "a judge reads no other code");
    who.check_get(&format!("/truc-tiep/qr/{}.svg", judge2.as_str().unwrap()), &["uh"]).await;
    // Taken off the panel, the judge loses the screen: the place has a new code.
    let jgrant = uh.json("list_grants", &[("login", "0919300001"), ("history", "false")]).await;
    uh.json("revoke_grant", &[("id", jgrant[0]["id"].as_str().unwrap())]).await;
    let (status, _) = s.client().call("live_entry", &[("code", judge2.as_str().unwrap())]).await;
    assert_eq!(status, 404, "the old judge code opens nothing");
    let (status, _) = judge.call("my_judging", &[]).await;
    assert_eq!(status, 403, "no grant left: a cadre again");

    // A contest's organizer runs the contest, not its cadres' accounts.
    let c_org = organizer_on(&s, &admin, &admin, "0919400001", "contest", &c_uh).await;
    assert_eq!(c_org.call("contest_detail", &[("id", &c_uh)]).await.0, 200);
    let (status, _) = c_org.call("reset_password", &[("login", "0919100003")]).await;
    assert_eq!(status, 403);
    let (status, _) = c_org.call("reset_password", &[("login", "0919100002")]).await;
    assert_eq!(status, 403, "nor those of its own district");
    assert!(c_org.json("list_users", &[("q", "")]).await.as_array().unwrap().is_empty());
    // Nor can a commune make a cadre of another district its organizer.
    let (status, _) = vd
        .call("add_grant", &[("login", "0919100003"), ("role", "organizer"), ("kind", "unit"), ("target_id", &vd_unit)])
        .await;
    assert_eq!(status, 403);

    // Revoking ends a scope at once; the grant stays in the history.
    let grants = admin.json("list_grants", &[("login", "0919000003"), ("history", "false")]).await;
    let gid = grants[0]["id"].as_str().unwrap().to_string();
    who.check("revoke_grant", &[("id", &gid)], &["uh"]).await;
    let (status, _) = vd.call("contest_detail", &[("id", &c_uh)]).await;
    assert_eq!(status, 403, "revoked at once");
    let history = admin.json("list_grants", &[("login", "0919000003"), ("history", "true")]).await;
    assert!(history[0]["revoked_at"].is_i64(), "{history}");
    who.check("end_final", &[("id", &f_uh)], &["uh"]).await;

    // A role change ends the grants: Mê Linh's organizer, made a cadre and
    // later given a commune, does not wake the district's powers.
    let ml_id = admin.json("list_users", &[("q", "0919000002")]).await[0]["id"].as_str().unwrap().to_string();
    admin.json("set_user_role", &[("user_id", &ml_id), ("role", "contestant")]).await;
    admin
        .json("add_grant", &[("login", "0919000002"), ("role", "organizer"), ("kind", "unit"), ("target_id", &tp_unit)])
        .await;
    let (status, _) = ml.call("round_action", &[("round_id", &r_ml), ("action", "publish")]).await;
    assert_eq!(status, 403, "Tiền Phong's organizer does not run Mê Linh's contest");
    let (status, _) = ml.call("contest_detail", &[("id", &c_ml)]).await;
    assert_eq!(status, 200, "it sees its commune's part");
}

async fn audit(c: &Client) -> Vec<String> {
    c.json("audit_log", &[("action", ""), ("actor", ""), ("from", ""), ("to", "")])
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["action"].as_str().unwrap(), e["object_id"].as_str().unwrap()))
        .collect()
}
