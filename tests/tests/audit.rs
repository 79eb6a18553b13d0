//! The audit log (issue 11): organizers' and admins' changes are recorded
//! with who, when and the values before and after; admins filter and export
//! them; nobody else reads them. Through the real server, on both stores.

use hoithi_tests::Server;
use serde_json::Value;

fn actions(log: &Value) -> Vec<String> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn organizer_and_admin_changes_are_in_the_audit_log() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0916000001").await;
    let _cadre = s.user(&admin, "contestant", "0916000002").await;
    let round = hoithi_tests::setup_round(&organizer, "20", "1").await;
    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    let temp = organizer
        .json("reset_password", &[("login", "0916000002")])
        .await["password"]
        .as_str()
        .unwrap()
        .to_string();
    let users = admin.json("list_users", &[("q", "0916000002")]).await;
    let cadre_id = users[0]["id"].as_str().unwrap().to_string();
    admin
        .json("set_user_role", &[("user_id", &cadre_id), ("role", "judge")])
        .await;

    let all = |a: &str, p: &str, from: &str| {
        let (a, p, from) = (a.to_string(), p.to_string(), from.to_string());
        let admin = &admin;
        async move {
            admin
                .json("audit_log", &[("action", &a), ("actor", &p), ("from", &from), ("to", "")])
                .await
        }
    };
    let log = all("", "", "").await;
    let acts = actions(&log);
    for want in [
        "user.create",
        "contest.create",
        "round.create",
        "round.publish",
        "round.close",
        "account.reset",
        "user.role",
    ] {
        assert!(acts.iter().any(|a| a == want), "{want} missing from {acts:?}");
    }
    // Newest first; who did it; the values before and after.
    assert_eq!(acts[0], "user.role");
    let role = &log[0];
    assert_eq!(role["actor_login"], "admin");
    assert_eq!(role["before"], r#"{"role":"contestant"}"#);
    assert_eq!(role["after"], r#"{"grants_revoked":0,"role":"judge"}"#);
    let close = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "round.close")
        .unwrap();
    assert_eq!(close["actor_login"], "0916000001");
    assert_eq!(close["object_id"], round.as_str());
    let before: Value = serde_json::from_str(close["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(close["after"].as_str().unwrap()).unwrap();
    assert!(after["closes_at"].as_i64() < before["closes_at"].as_i64(), "{close}");
    let reset = log.as_array().unwrap().iter().find(|e| e["action"] == "account.reset").unwrap();
    assert!(!log.to_string().contains(&temp), "no password in the log");
    assert_eq!(reset["object_id"], cadre_id.as_str());

    // Filters: a group of actions, one person, a day.
    let rounds = all("round", "", "").await;
    assert!(actions(&rounds).iter().all(|a| a.starts_with("round.")));
    assert_eq!(actions(&rounds).len(), 3, "{rounds}");
    let by_organizer = all("", "0916000001", "").await;
    assert!(by_organizer.as_array().unwrap().iter().all(|e| e["actor_login"] == "0916000001"));
    assert!(actions(&by_organizer).contains(&"account.reset".to_string()));
    assert!(all("", "", "2099-01-01").await.as_array().unwrap().is_empty());
    let (status, body) = admin
        .call("audit_log", &[("action", ""), ("actor", ""), ("from", "hôm qua"), ("to", "")])
        .await;
    assert_eq!(status, 422, "{body}");

    // The export: the same rows as the page.
    let r = admin.get("/quan-tri/nhat-ky/xuat?thao-tac=round").await;
    assert_eq!(r.status(), 200);
    let rows = hoithi_core::formats::xlsx::read_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 1 + 3, "{rows:?}");
    assert_eq!(rows[0][3], "Thao tác");
    assert!(rows[1..].iter().all(|r| r[3].starts_with("round.")));

    // An organizer reads the entries of the contests they run (this one
    // runs them all), never those of no contest (roles, accounts, the bank).
    let seen = organizer
        .json("audit_log", &[("action", ""), ("actor", ""), ("from", ""), ("to", "")])
        .await;
    let actions: Vec<&str> = seen.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"round.close"), "{actions:?}");
    assert!(!actions.iter().any(|a| a.starts_with("user.")), "{actions:?}");
    assert_eq!(organizer.get("/quan-tri/nhat-ky/xuat").await.status(), 200);
    let (status, _) = s
        .client()
        .call("audit_log", &[("action", ""), ("actor", ""), ("from", ""), ("to", "")])
        .await;
    assert_eq!(status, 401);
}
