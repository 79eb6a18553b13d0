//! Accommodations (issue 11): extra time moves the server's deadline, an
//! extra attempt lets exactly one more start, a later closing for a unit
//! opens the round to that unit's cadres (and the units under it) only, and
//! the key waits for it. Through the real server, on both stores.

use hoithi_tests::{setup_round, Client, Server};

async fn start(c: &Client, round: &str) -> (u16, String) {
    c.call("start_attempt", &[("round_id", round)]).await
}

async fn submit(c: &Client, attempt: &str) {
    c.json("submit_attempt", &[("attempt_id", attempt), ("prediction", "")])
        .await;
}

#[tokio::test]
async fn extra_time_attempts_and_a_later_closing() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let units = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\nUH,Huyện Ứng Hòa,Huyện,,2500\nVD,Thị trấn Vân Đình,Xã,UH,120\nPT,Xã Phương Tú,Xã,UH,100\n";
    let ids = hoithi_tests::import_units(&admin, units).await;
    let unit = |name: &str| ids[name].clone();
    let (huyen, van_dinh) = (unit("Huyện Ứng Hòa"), unit("Thị trấn Vân Đình"));
    let organizer = s.user(&admin, "organizer", "0917000009").await;
    let round = setup_round(&organizer, "20", "1").await;
    let a = s.cadre_in(&admin, "Cán bộ thử", "0917000001", "").await;
    let b = s.cadre_in(&admin, "Cán bộ thử", "0917000002", "").await;
    let c = s.cadre_in(&admin, "Cán bộ thử", "0917000003", &van_dinh).await;

    let grant = |login: &str, unit: &str, minutes: &str, attempts: &str, closes: &str, reason: &str| {
        let form: Vec<(String, String)> = [
            ("round_id", round.as_str()),
            ("login", login),
            ("unit_id", unit),
            ("extra_minutes", minutes),
            ("extra_attempts", attempts),
            ("closes_at", closes),
            ("reason", reason),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let organizer = &organizer;
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            organizer.call("add_accommodation", &f).await
        }
    };
    // Refused: nobody named, both named, no reason, nothing granted.
    for (login, unit, minutes, reason, says) in [
        ("", "", "10", "lý do", "thí sinh hoặc một đơn vị"),
        ("0917000001", huyen.as_str(), "10", "lý do", "không chọn cả hai"),
        ("0917000001", "", "10", "  ", "lý do"),
        ("0917000001", "", "0", "lý do", "thêm thời gian"),
    ] {
        let (status, body) = grant(login, unit, minutes, "0", "", reason).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains(says), "{says}: {body}");
    }
    let (status, body) = grant("0917000001", "", "10", "1", "", "Khiếm thị, đọc chậm").await;
    assert_eq!(status, 200, "{body}");

    // Extra time: the server's deadline is 30 minutes away, not 20.
    let (_, body) = start(&a, &round).await;
    let attempt_a: String = serde_json::from_str(&body).unwrap();
    let play = a.json("get_attempt", &[("id", &attempt_a)]).await;
    let left = play["remaining_ms"].as_i64().unwrap();
    assert!(left > 29 * 60_000 && left <= 30 * 60_000, "{left}");
    let (_, body) = start(&b, &round).await;
    let attempt_b: String = serde_json::from_str(&body).unwrap();
    let left = b.json("get_attempt", &[("id", &attempt_b)]).await["remaining_ms"]
        .as_i64()
        .unwrap();
    assert!(left <= 20 * 60_000, "{left}");
    let info = a.json("round_info", &[("id", &round)]).await;
    assert!(info["accommodation"].as_str().unwrap().contains("thêm 10 phút"), "{info}");
    assert_eq!(b.json("round_info", &[("id", &round)]).await["accommodation"], "");

    // One more attempt, and no more.
    submit(&a, &attempt_a).await;
    let (status, body) = start(&a, &round).await;
    assert_eq!(status, 200, "{body}");
    let second: String = serde_json::from_str(&body).unwrap();
    submit(&a, &second).await;
    let (status, body) = start(&a, &round).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("hết 2 lượt"), "{body}");
    submit(&b, &attempt_b).await;
    let (status, body) = start(&b, &round).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("hết 1 lượt"), "{body}");

    // The round closes; the district (and the commune under it) gets until
    // tomorrow. Its cadre starts; a cadre elsewhere does not.
    organizer
        .json("round_action", &[("round_id", &round), ("action", "close")])
        .await;
    let (_, tomorrow) = hoithi_tests::local_window();
    let (status, body) = grant("", &huyen, "0", "0", &tomorrow, "Mất mạng tối cuối").await;
    assert_eq!(status, 200, "{body}");
    let mine = c.json("my_rounds", &[]).await;
    assert!(
        mine.as_array().unwrap().iter().any(|m| m["round"]["id"] == round.as_str()),
        "{mine}"
    );
    let (status, body) = start(&c, &round).await;
    assert_eq!(status, 200, "{body}");
    let d = s.cadre_in(&admin, "Cán bộ thử", "0917000004", "").await;
    let (status, body) = start(&d, &round).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("đã kết thúc"), "{body}");

    // Nothing is published while the later closing is ahead.
    for action in ["publish_key", "publish_results"] {
        let (status, body) = organizer
            .call("round_action", &[("round_id", &round), ("action", action)])
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("hạn chót"), "{body}");
    }

    // Listed for organizers, recorded in the audit log, removable.
    let listed = organizer.json("list_accommodations", &[("round_id", &round)]).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[0]["who"].as_str().unwrap().contains("Huyện Ứng Hòa"));
    let log = admin
        .json("audit_log", &[("action", "round"), ("actor", "0917000009"), ("from", ""), ("to", "")])
        .await;
    let grants = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "round.accommodation")
        .count();
    assert_eq!(grants, 2, "{log}");
    organizer
        .json("remove_accommodation", &[("id", listed[0]["id"].as_str().unwrap())])
        .await;
    assert_eq!(
        organizer.json("list_accommodations", &[("round_id", &round)]).await.as_array().unwrap().len(),
        1
    );
}
