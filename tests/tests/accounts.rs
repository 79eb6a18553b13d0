//! Accounts that last (issue 11): a password changed by its owner ends the
//! other sessions, a cadre who forgot one is given a temporary password by
//! an organizer and must replace it at once, and a generated password must
//! be replaced at the first log-in. Through the real server, on both stores.

use hoithi_tests::Server;

/// The user's own change: the current password is checked, the new one
/// must be different and confirmed, every other session ends.
#[tokio::test]
async fn changing_a_password_logs_out_everywhere_else() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let phone = s.user(&admin, "contestant", "0915000001").await;
    let laptop = s.client();
    laptop.login("0915000001", "mat-khau-123").await;
    assert_eq!(laptop.call("my_rounds", &[]).await.0, 200);

    let attempt = |current: &'static str, new: &'static str, again: &'static str| {
        let phone = &phone;
        async move {
            phone
                .call(
                    "change_password",
                    &[("current", current), ("password", new), ("password2", again), ("next", "/")],
                )
                .await
        }
    };
    for (current, new, again, says) in [
        ("sai-roi-nhe", "mat-khau-moi-99", "mat-khau-moi-99", "không đúng"),
        ("mat-khau-123", "ngan", "ngan", "ít nhất 8"),
        ("mat-khau-123", "mat-khau-moi-99", "mat-khau-khac", "không khớp"),
        ("mat-khau-123", "mat-khau-123", "mat-khau-123", "phải khác"),
    ] {
        let (status, body) = attempt(current, new, again).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains(says), "{says}: {body}");
    }
    // Nothing changed by the refusals: the laptop is still in.
    assert_eq!(laptop.call("my_rounds", &[]).await.0, 200);

    phone.change_password("mat-khau-123", "mat-khau-moi-99").await;
    assert_eq!(phone.call("my_rounds", &[]).await.0, 200, "this device stays in");
    assert_eq!(laptop.call("my_rounds", &[]).await.0, 401, "the other device is out");
    let (status, _) = s
        .client()
        .call("login", &[("login", "0915000001"), ("password", "mat-khau-123"), ("next", "/")])
        .await;
    assert_eq!(status, 422, "the old password no longer works");

    // Log out everywhere else, from a new session.
    let tablet = s.client();
    tablet.login("0915000001", "mat-khau-moi-99").await;
    let ended = tablet.json("logout_others", &[]).await;
    assert_eq!(ended, 1);
    assert_eq!(phone.call("my_rounds", &[]).await.0, 401);
    assert_eq!(tablet.call("my_rounds", &[]).await.0, 200);
}

/// An organizer resets a cadre's password: the temporary one is shown once,
/// the cadre's sessions end, and the cadre can do nothing but choose a new
/// password. Organizers reset contestants only.
#[tokio::test]
async fn a_reset_password_must_be_replaced_at_once() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0915000002").await;
    let cadre = s.user(&admin, "contestant", "0915000003").await;
    let other_organizer = s.user(&admin, "organizer", "0915000004").await;

    let reset = organizer
        .json("reset_password", &[("login", "+84 915 000 003")])
        .await;
    assert_eq!(reset["login"], "0915000003");
    let temp = reset["password"].as_str().unwrap().to_string();
    assert!(temp.len() >= 12, "{temp}");
    assert_eq!(cadre.call("my_rounds", &[]).await.0, 401, "old sessions end");

    // The temporary password leads straight to the change page.
    let c = s.client();
    let r = c
        .http
        .post(format!("{}/api/login", s.base))
        .form(&[("login", "0915000003"), ("password", temp.as_str()), ("next", "/vong/abc")])
        .send()
        .await
        .unwrap();
    let to = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(to.as_deref(), Some("/doi-mat-khau?next=/vong/abc"));
    let me = c.json("whoami", &[]).await;
    assert_eq!(me["must_change_password"], true);
    let (status, body) = c.call("my_rounds", &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("MustChangePassword"), "{body}");
    assert_eq!(
        c.get("/ban-to-chuc/xuat?cuoc_thi=khong-co&bang=xep-hang").await.status(),
        403
    );
    c.change_password(&temp, "cua-rieng-toi-1").await;
    assert_eq!(c.json("whoami", &[]).await["must_change_password"], false);
    assert_eq!(c.call("my_rounds", &[]).await.0, 200);

    // Who may reset whom.
    for (who, login, want) in [
        (&organizer, "0915000004", 403),     // another organizer: admins only
        (&organizer, "admin", 403),          // the admin: never by an organizer
        (&organizer, "0915000002", 422),     // oneself: the change page instead
        (&organizer, "0999999999", 404),     // nobody
        (&cadre, "0915000004", 401),         // the cadre's old session is gone
    ] {
        let (status, body) = who.call("reset_password", &[("login", login)]).await;
        assert_eq!(status, want, "{login}: {body}");
    }
    let (status, body) = c.call("reset_password", &[("login", "0915000004")]).await;
    assert_eq!(status, 403, "a contestant resets nobody: {body}");
    let by_admin = admin.json("reset_password", &[("login", "0915000004")]).await;
    assert!(by_admin["password"].as_str().unwrap().len() >= 12);
    assert_eq!(other_organizer.call("list_finals", &[]).await.0, 401);
}

/// The first admin's generated password is printed on a console: it must
/// be replaced at the first log-in. One given by the operator need not be.
#[tokio::test]
async fn a_generated_first_admin_password_must_be_changed() {
    use hoithi_core::store::{seed, users, Db};
    let dir = tempfile::tempdir().unwrap();
    for (given, must) in [(None, true), (Some("chon-san-mat-khau"), false)] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{must}.db")).display()
        );
        let db = Db::connect(&url).await.unwrap();
        let report = seed::first_start(&db, given, false).await.unwrap();
        assert!(report.admin.is_some());
        let (admin, _) = users::by_login(&db, "admin").await.unwrap().unwrap();
        assert_eq!(admin.must_change_password, must, "{given:?}");
    }
}

/// A deactivated account cannot log in and its sessions end; its attempts
/// stay. A person registered twice is merged: both attempts count for the
/// account kept, the duplicate is closed.
#[tokio::test]
async fn deactivated_and_merged_accounts_keep_their_attempts() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0915000011").await;
    let round = hoithi_tests::setup_round(&organizer, "20", "3").await;
    let first = s.user(&admin, "contestant", "0915000012").await;
    let second = s.user(&admin, "contestant", "0915000013").await;
    for c in [&first, &second] {
        let attempt = c.json("start_attempt", &[("round_id", &round)]).await;
        c.json(
            "submit_attempt",
            &[("attempt_id", attempt.as_str().unwrap()), ("prediction", "")],
        )
        .await;
    }

    // Deactivation by the organizer: the session ends, log-in is refused.
    organizer
        .json("set_user_active", &[("login", "0915000013"), ("active", "false")])
        .await;
    assert_eq!(second.call("my_rounds", &[]).await.0, 401);
    let (status, body) = s
        .client()
        .call("login", &[("login", "0915000013"), ("password", "mat-khau-123"), ("next", "/")])
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("bị khóa"), "{body}");
    let (status, _) = organizer
        .call("set_user_active", &[("login", "0915000011"), ("active", "false")])
        .await;
    assert_eq!(status, 422, "not oneself");
    let (status, _) = organizer
        .call("set_user_active", &[("login", "admin"), ("active", "false")])
        .await;
    assert_eq!(status, 403, "organizers deactivate contestants only");
    admin
        .json("set_user_active", &[("login", "0915000013"), ("active", "true")])
        .await;
    s.client().login("0915000013", "mat-khau-123").await;

    // The same person twice: merged, the two attempts are one person's.
    let ranking = organizer.json("round_ranking", &[("id", &round)]).await;
    assert_eq!(ranking["rows"].as_array().unwrap().len(), 2);
    let (status, _) = organizer
        .call("merge_users", &[("keep", "0915000012"), ("duplicate", "0915000013")])
        .await;
    assert_eq!(status, 403, "merging is for admins");
    let merged = admin
        .json("merge_users", &[("keep", "0915000012"), ("duplicate", "0915000013")])
        .await;
    assert_eq!(merged["attempts"], 1);
    let (status, _) = s
        .client()
        .call("login", &[("login", "0915000013"), ("password", "mat-khau-123"), ("next", "/")])
        .await;
    assert_eq!(status, 422, "the duplicate is closed");
    // After the round's five-second ranking cache, one person with two attempts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let ranking = organizer.json("round_ranking", &[("id", &round)]).await;
        let rows = ranking["rows"].as_array().unwrap();
        if rows.len() == 1 {
            assert_eq!(rows[0]["attempts"], 2, "{ranking}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{ranking}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let mine = first.json("my_rounds", &[]).await;
    let this = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["round"]["id"] == round.as_str())
        .expect("the round");
    assert_eq!(this["attempts"].as_array().unwrap().len(), 2, "{this}");
    assert_eq!(this["attempts_left"], 1);
}
