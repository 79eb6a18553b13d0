//! A new user's first start: the demonstration shows every part at once
//! (an open round to take, a closed round with results, a playable final);
//! `--no-demo` starts empty.

use hoithi_tests::Server;

#[tokio::test]
async fn first_start_shows_everything() {
    let s = Server::start_with_env(&[("HOITHI_NO_DEMO", "false")]).await;
    let admin = s.admin().await;

    // A cadre who registers finds a round open now and takes it.
    let cadre = s.client();
    let units = cadre.json("list_units", &[]).await;
    let commune = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "Xã Phương Tú")
        .expect("the demo's unit tree")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = cadre
        .call(
            "register",
            &[
                ("full_name", "Người dùng mới"),
                ("login", "0987000001"),
                ("password", "mat-khau-cua-toi"),
                ("password2", "mat-khau-cua-toi"),
                ("unit_id", &commune),
                ("position", ""),
            ],
        )
        .await;
    assert!(status < 400, "{status} {body}");
    let mine = cadre.json("my_rounds", &[]).await;
    let open = mine.as_array().unwrap();
    assert_eq!(open.len(), 1, "{mine}");
    assert_eq!(open[0]["round"]["phase"], "Open");
    let round = open[0]["round"]["id"].as_str().unwrap().to_string();
    let attempt = cadre.json("start_attempt", &[("round_id", &round)]).await;
    let play = cadre.json("get_attempt", &[("id", attempt.as_str().unwrap())]).await;
    assert_eq!(play["items"].as_array().unwrap().len(), 10);

    // A closed round with results anyone may read: 18 cadres, 6 prizes.
    let contest = open[0]["round"]["contest_id"].as_str().unwrap().to_string();
    let detail = admin.json("contest_detail", &[("id", &contest)]).await;
    let rounds = detail["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    let closed = rounds.iter().find(|r| r["phase"] == "Closed").expect("a closed round");
    assert!(closed["results_published"].as_bool().unwrap() && closed["key_published"].as_bool().unwrap());
    let closed_id = closed["id"].as_str().unwrap().to_string();
    let ranking = s.client().json("round_ranking", &[("id", &closed_id)]).await;
    let rows = ranking["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 18);
    assert_eq!(rows.iter().filter(|r| !r["prize"].is_null()).count(), 6);
    assert!(rows[0]["score"].as_i64().unwrap() > rows[17]["score"].as_i64().unwrap(), "scores differ");
    assert_eq!(detail["finalists"].as_array().unwrap().len(), 4);

    // The dashboard, charts and unit table have something to show.
    let dash = admin.json("round_dashboard", &[("id", &closed_id)]).await;
    assert_eq!(dash["attempts"], 18);
    assert_eq!(dash["charts"].as_array().unwrap().len(), 3);
    let board = admin.json("unit_leaderboard", &[("contest_id", &contest)]).await;
    let district = board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0].as_str().unwrap().trim() == "Huyện Ứng Hòa")
        .expect("the district row")
        .clone();
    // The 18 demo cadres and the newcomer who just started a round.
    assert_eq!(district[2], "19", "{district:?}");

    // A final ready to play: a host, two seats, a judge, the projector.
    let finals = admin.json("list_finals", &[]).await;
    let fin = finals[0]["id"].as_str().unwrap().to_string();
    let info = admin.json("final_detail", &[("id", &fin)]).await;
    let labels: Vec<&str> = info["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(labels[0].starts_with("Người dẫn") && labels[1].starts_with("Ghế 1") && labels[3].starts_with("Giám khảo 1"));
    let projector = s.client().get(&format!("/truc-tiep/{}/man-chieu", info["join_code"].as_str().unwrap())).await;
    assert_eq!(projector.status(), 200);
}

#[tokio::test]
async fn no_demo_starts_empty() {
    let s = Server::start().await;
    let admin = s.admin().await;
    assert!(admin.json("list_contests", &[]).await.as_array().unwrap().is_empty());
    assert!(admin.json("list_units", &[]).await.as_array().unwrap().is_empty());
    assert!(admin.json("list_finals", &[]).await.as_array().unwrap().is_empty());
    let bank = admin.json("bank_stats", &[]).await;
    assert!(bank.to_string().len() > 10, "the bank is still seeded: {bank}");
}

#[tokio::test]
async fn visitors_are_sent_to_log_in_and_the_site_has_its_icons() {
    let s = Server::start().await;
    let anon = s.client();
    for (path, back) in [
        ("/ban-to-chuc/vong/abc?x=1", "%2Fban-to-chuc%2Fvong%2Fabc%3Fx%3D1"),
        ("/quan-tri/nguoi-dung", "%2Fquan-tri%2Fnguoi-dung"),
        ("/doi-mat-khau", "%2Fdoi-mat-khau"),
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], format!("/dang-nhap?next={back}").as_str());
    }
    // Downloads still answer 401 (scripts read the status); pages render
    // for an account.
    assert_eq!(anon.get("/ban-to-chuc/xuat?cuoc_thi=x&bang=don-vi").await.status(), 401);
    let admin = s.admin().await;
    assert_eq!(admin.get("/quan-tri/nguoi-dung").await.status(), 200);

    let icon = anon.get("/favicon.ico").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/png");
    assert!(icon.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let manifest: serde_json::Value = anon.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["short_name"], "Hội thi");
    for i in manifest["icons"].as_array().unwrap() {
        let r = anon.get(i["src"].as_str().unwrap()).await;
        assert_eq!(r.status(), 200, "{i}");
    }
    let home = anon.get("/").await.text().await.unwrap();
    assert!(home.contains(r#"rel="manifest""#) && home.contains("/favicon.svg"), "the pages link them");
}
