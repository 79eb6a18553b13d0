//! Who has not taken a round yet, per unit subtree (issue 11): on the page
//! and as `.xlsx`, deactivated accounts left out. Through the real server.

use hoithi_tests::{setup_round, Server};

fn names(t: &serde_json::Value) -> Vec<String> {
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_units_cadres_who_have_not_taken_the_round() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let units = "Mã,Tên đơn vị,Cấp,Mã cấp trên,Số người\nUH,Huyện Ứng Hòa,Huyện,,2500\nVD,Thị trấn Vân Đình,Xã,UH,120\nPT,Xã Phương Tú,Xã,UH,100\nML,Huyện Mê Linh,Huyện,,2000\n";
    let ids = hoithi_tests::import_units(&admin, units).await;
    let unit = |name: &str| ids[name].clone();
    let (uh, vd, pt, ml) = (
        unit("Huyện Ứng Hòa"),
        unit("Thị trấn Vân Đình"),
        unit("Xã Phương Tú"),
        unit("Huyện Mê Linh"),
    );
    let organizer = s.user(&admin, "organizer", "0918000009").await;
    let round = setup_round(&organizer, "20", "1").await;
    let an = s.cadre_in(&admin, "An", "0918000001", &vd).await;
    let _binh = s.cadre_in(&admin, "Bình", "0918000002", &vd).await;
    let _chi = s.cadre_in(&admin, "Chi", "0918000003", &pt).await;
    let _dung = s.cadre_in(&admin, "Dũng", "0918000004", &ml).await;
    let _em = s.cadre_in(&admin, "Em", "0918000005", &pt).await;
    organizer
        .json("set_user_active", &[("login", "0918000005"), ("active", "false")])
        .await;
    an.json("start_attempt", &[("round_id", &round)]).await;

    let not_taken = |unit: &str| {
        let (organizer, round, unit) = (&organizer, round.clone(), unit.to_string());
        async move {
            organizer
                .json("not_taken", &[("round_id", &round), ("unit_id", &unit)])
                .await
        }
    };
    // The district's whole subtree: not An (started), not Em (deactivated),
    // not Dũng (another district).
    assert_eq!(names(&not_taken(&uh).await), ["Bình", "Chi"]);
    assert_eq!(names(&not_taken(&pt).await), ["Chi"]);
    assert_eq!(names(&not_taken(&ml).await), ["Dũng"]);
    let everyone = names(&not_taken("").await);
    assert!(everyone.contains(&"Dũng".to_string()) && !everyone.contains(&"An".to_string()));
    let (status, body) = organizer
        .call("not_taken", &[("round_id", &round), ("unit_id", "khong-co")])
        .await;
    assert_eq!(status, 422, "{body}");

    // The same list as a spreadsheet.
    let r = organizer
        .get(&format!("/ban-to-chuc/xuat?vong={round}&bang=chua-tham-gia&don-vi={uh}"))
        .await;
    assert_eq!(r.status(), 200);
    let rows = hoithi_core::formats::xlsx::read_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][0], "Họ và tên");
    assert_eq!(an.get(&format!("/ban-to-chuc/xuat?vong={round}&bang=chua-tham-gia")).await.status(), 403);

    // The round's page renders both panels on the server.
    let page = organizer.get(&format!("/ban-to-chuc/vong/{round}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Người chưa tham gia") && html.contains("Ưu tiên riêng"), "{html}");
}
