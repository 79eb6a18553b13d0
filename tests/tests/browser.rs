//! Headless Chromium against the real server: an admin logs in, uploads a
//! GIFT file, checks the preview, confirms and finds the questions. Every
//! step waits for the page to be hydrated, so a missing or broken
//! WebAssembly bundle fails the test.

use fantoccini::{Client, ClientBuilder, Locator};
use hoithi_tests::{free_port, setup_round, Server, ADMIN_PASSWORD};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(size: &str) -> (Driver, Client, tempfile::TempDir) {
    // reqwest and fantoccini bring two rustls providers; pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is installed (the test command installs Debian's chromium-driver)",
            );
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", format!("--window-size={size}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempt = ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(c) => return (Driver(driver), c, profile),
            Err(e) if Instant::now() > deadline => panic!("cannot start Chromium: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn wait_hydrated(c: &Client) {
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-hydrated='1']"))
        .await
        .expect("the page hydrates: the WebAssembly bundle loads and runs");
}

/// Whether the page named a WebAssembly bundle to load.
async fn has_bundle(c: &Client) -> bool {
    c.execute("return document.querySelectorAll('link[rel=modulepreload]').length", vec![])
        .await
        .unwrap()
        != serde_json::json!(0)
}

/// Waits until a lazy route's own chunk is loaded and hydrated (its name
/// in `lib.rs`): before that, typing reaches the DOM but not the page.
async fn wait_route(c: &Client, route: &str) {
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&format!("body[data-lazy='{route}']")))
        .await
        .unwrap_or_else(|_| panic!("the {route} page hydrates"));
}

async fn wait_text(c: &Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Rendered text, not source: hydration markers split the HTML.
        let src = match c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if src.contains(text) {
            return;
        }
        if Instant::now() > deadline {
            panic!("page never showed {text:?}; it shows:\n{src}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn admin_uploads_gift_previews_confirms_and_finds_questions() {
    let server = Server::start().await;
    let (_driver, c, _profile) = browser("1280,900").await;
    let dir = tempfile::tempdir().unwrap();
    let gift = dir.path().join("bo-de.gift");
    std::fs::write(
        &gift,
        "$CATEGORY: $course$/kh171/Khó\n\n::kh171.web.1::Câu thử qua trình duyệt số một? {=Đúng là nó ~Không phải ~Cũng không}\n\n::kh171.web.2::Câu thử qua trình duyệt số hai là đúng? {T}\n",
    )
    .unwrap();

    // Log-in loads no WebAssembly: the form posts and the server redirects.
    c.goto(&format!("{}/dang-nhap", server.base)).await.unwrap();
    c.find(Locator::Css("input[name='login']"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    c.find(Locator::Css("input[name='password']"))
        .await
        .unwrap()
        .send_keys(ADMIN_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("main form button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Home, rendered by the server for the new session.
    wait_text(&c, "Đăng xuất").await;
    assert!(!has_bundle(&c).await, "the home page loads no WebAssembly");

    c.goto(&format!("{}/quan-tri/ngan-hang", server.base))
        .await
        .unwrap();
    wait_hydrated(&c).await;
    wait_text(&c, "Nhập câu hỏi từ tệp").await;
    c.find(Locator::Css("input[type='file']"))
        .await
        .unwrap()
        .send_keys(gift.to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Css(
        "form[action='/quan-tri/tai-len'] button[type='submit']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();

    wait_text(&c, "Kiểm tra tệp câu hỏi").await;
    wait_hydrated(&c).await;
    wait_text(&c, "Câu thử qua trình duyệt số một?").await;
    wait_text(&c, "2 câu mới").await;
    c.find(Locator::XPath("//button[contains(., 'Xác nhận nhập')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Đã nhập tệp này vào ngân hàng.").await;

    c.find(Locator::LinkText("Xem danh sách câu hỏi"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Danh sách câu hỏi").await;
    let search = c
        .wait()
        .for_element(Locator::Css("input[name='q']"))
        .await
        .unwrap();
    search.send_keys("trình duyệt").await.unwrap();
    c.find(Locator::XPath("//button[contains(., 'Lọc')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "2 câu hỏi").await;
    wait_text(&c, "Câu thử qua trình duyệt số hai là đúng?").await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.as_str().contains("q="),
        "the filter is in the address: {url}"
    );
    c.close().await.unwrap();
}

/// Saves a screenshot when HOITHI_SCREENSHOTS names a folder (for looking
/// at the pages by eye; the test does not depend on it).
async fn snap(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("HOITHI_SCREENSHOTS") {
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
        }
    }
}

async fn fill(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Answers the question on screen: the first option, or a typed number.
async fn answer_current(c: &Client) {
    if let Ok(input) = c.find(Locator::Css(".answer-text")).await {
        input.send_keys("123").await.unwrap();
        // Leaving the field fires `change`, which saves.
        c.find(Locator::Css(".qtext"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    } else {
        c.find(Locator::Css(".options .option"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_cadre_takes_a_round_on_a_phone() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let organizer = server.user(&admin, "organizer", "0911000401").await;
    let round = setup_round(&organizer, "20", "2").await;
    let (_driver, c, _profile) = browser("390,844").await;

    // Registration, the open rounds, a round: plain forms and links.
    c.goto(&format!("{}/dang-ky", server.base)).await.unwrap();
    wait_css(&c, "select[name='unit_id']").await;
    assert!(!has_bundle(&c).await, "registration loads no WebAssembly");
    fill(&c, "input[name='full_name']", "Nguyễn Thị Thử").await;
    fill(&c, "input[name='login']", "0988000111").await;
    fill(&c, "input[name='password']", "mat-khau-dien-thoai").await;
    fill(&c, "input[name='password2']", "mat-khau-dien-thoai").await;
    c.find(Locator::Css("main form button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Vòng thi đang mở").await;
    c.find(Locator::LinkText("Tuần thi thứ nhất"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Bắt đầu làm bài").await;
    c.find(Locator::XPath("//button[contains(., 'Bắt đầu làm bài')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Câu 1/8").await;
    // The attempt page hydrates with its own bundle, not the main app's.
    wait_hydrated(&c).await;
    let scripts = c
        .execute("return [...document.querySelectorAll('link[rel=modulepreload]')].map(l => l.getAttribute('href'))", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, serde_json::json!(["/pkg/attempt.js"]));

    // Half the questions, moving on with "Câu sau".
    for k in 1..=4 {
        wait_text(&c, &format!("Câu {k}/8")).await;
        answer_current(&c).await;
        wait_text(&c, &format!("Đã trả lời {k}/8 câu")).await;
        c.find(Locator::LinkText("Câu sau →"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    wait_text(&c, "Câu 5/8").await;
    snap(&c, "player").await;
    // Let the last save reach the server, then reload: the answers stay.
    tokio::time::sleep(Duration::from_millis(800)).await;
    c.refresh().await.unwrap();
    wait_hydrated(&c).await;
    wait_text(&c, "Đã trả lời 4/8 câu").await;
    let done = c.find_all(Locator::Css(".qmap .cell.done")).await.unwrap();
    assert_eq!(done.len(), 4, "the question map marks the saved answers");

    for k in 5..=8 {
        wait_text(&c, &format!("Câu {k}/8")).await;
        answer_current(&c).await;
        wait_text(&c, &format!("Đã trả lời {k}/8 câu")).await;
        if k < 8 {
            c.find(Locator::LinkText("Câu sau →"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    }
    c.find(Locator::Css(".qmap .cell.submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Câu hỏi dự đoán").await;
    snap(&c, "submit").await;
    fill(&c, "input[name='prediction']", "3").await;
    c.find(Locator::Css("form input[type='checkbox']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::XPath("//button[contains(., 'Nộp bài')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The result is outside the attempt's bundle: a page load of its own.
    wait_text(&c, "Kết quả bài thi").await;
    assert!(!has_bundle(&c).await, "the result page loads no WebAssembly");
    wait_text(&c, "câu đúng").await;
    wait_text(&c, "Đáp án và giải thích").await;
    snap(&c, "result").await;
    c.close().await.unwrap();

    let ranking = organizer.json("round_ranking", &[("id", &round)]).await;
    let names: Vec<&str> = ranking["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nguyễn Thị Thử"]);
    assert_eq!(ranking["rows"][0]["prediction"], 3);
}

async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e,
        Err(_) => {
            let text = c
                .find(Locator::Css("body"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            panic!("never found {css}; the page shows:\n{text}");
        }
    }
}

/// Opens `path` in a new window of the same browser and waits until its
/// WebSocket is up.
async fn screen(c: &Client, base: &str, path: &str) -> fantoccini::wd::WindowHandle {
    let w = c.new_window(false).await.unwrap().handle;
    c.switch_to_window(w.clone()).await.unwrap();
    c.goto(&format!("{base}{path}")).await.unwrap();
    wait_hydrated(c).await;
    wait_css(c, "[data-conn='open']").await;
    w
}

#[tokio::test]
async fn a_host_and_two_pads_play_a_question_the_projector_shows_it() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let organizer = server.user(&admin, "organizer", "0911000601").await;
    let key = hoithi_tests::single_choice_keys().remove(0);
    let body = serde_json::json!({
        "name": "Chung kết thử", "contest_id": "", "finalists": "1; Nguyễn Văn An; Xã Vân Đình\n2; Trần Thị Bình; Xã Hòa Xá\n3; Lê Văn Cường; Xã Đại Cường",
        "judges": "Giám khảo 1", "prizes": "Giải Nhất: 1",
        "segments": [{"title": "Khởi động", "kind": "Everyone", "timer_secs": 60, "points": {"right": 10.0, "wrong": 0.0, "speed_bonus": 0.0},
                      "keys": [key], "topic": null, "count": 1, "prompts": []}]
    });
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let d = organizer.json("final_detail", &[("id", &id)]).await;
    let code = |i: usize| d["codes"][i]["code"].as_str().unwrap().to_string();
    let join = d["join_code"].as_str().unwrap().to_string();

    let (_driver, c, _profile) = browser("1280,800").await;
    let projector = screen(&c, &server.base, &format!("/truc-tiep/{join}/man-chieu")).await;
    wait_text(&c, "Chờ câu hỏi").await;
    let host = screen(&c, &server.base, &format!("/truc-tiep/{}", code(0))).await;
    wait_text(&c, "Người dẫn chương trình").await;
    c.find(Locator::Css("button[data-open='0-0']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_css(&c, "button[data-cmd='start']")
        .await
        .click()
        .await
        .unwrap();
    let right: usize = wait_css(&c, ".option.right")
        .await
        .attr("data-option")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let wrong = (right + 1) % 2;

    let pad1 = screen(&c, &server.base, &format!("/truc-tiep/{}", code(1))).await;
    wait_text(&c, "Nguyễn Văn An").await;
    wait_css(&c, &format!("button[data-choice='{right}']"))
        .await
        .click()
        .await
        .unwrap();
    wait_text(&c, "Đã gửi đáp án").await;
    // A reload keeps the answer: it is the server's.
    c.refresh().await.unwrap();
    wait_hydrated(&c).await;
    wait_css(&c, "[data-conn='open']").await;
    let mine = wait_css(&c, "[data-mine]")
        .await
        .attr("data-mine")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine, ["A", "B", "C", "D"][right]);
    snap(&c, "live-pad").await;

    let _pad2 = screen(&c, &server.base, &format!("/truc-tiep/{}", code(2))).await;
    wait_css(&c, &format!("button[data-choice='{wrong}']"))
        .await
        .click()
        .await
        .unwrap();
    wait_text(&c, "Đã gửi đáp án").await;

    // The projector has not been shown the key yet.
    c.switch_to_window(projector.clone()).await.unwrap();
    assert!(
        c.find(Locator::Css(".option.right")).await.is_err(),
        "no key on the projector before the reveal"
    );
    assert!(
        c.find(Locator::Css(".spread")).await.is_err(),
        "no spread before the reveal"
    );

    c.switch_to_window(host).await.unwrap();
    wait_text(&c, "Đã trả lời: 2/3").await;
    snap(&c, "live-host").await;
    c.find(Locator::Css("button[data-cmd='reveal']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Đã công bố đáp án").await;

    c.switch_to_window(projector).await.unwrap();
    wait_css(
        &c,
        &format!(".option.right[data-option='{right}'] .spread[data-count='1']"),
    )
    .await;
    wait_css(
        &c,
        &format!(".option[data-option='{wrong}'] .spread[data-count='1']"),
    )
    .await;
    wait_css(&c, ".scoreboard li[data-seat='1'] .score[data-score='10']").await;
    wait_css(&c, ".scoreboard li[data-seat='2'] .score[data-score='0']").await;
    let first = wait_css(&c, ".scoreboard li[data-seat='1'] .rank")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(first, "1");
    snap(&c, "live-projector").await;

    c.switch_to_window(pad1).await.unwrap();
    wait_text(&c, "Chính xác!").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn an_organizer_sets_up_a_final_with_the_form() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let _organizer = server.user(&admin, "organizer", "0911000701").await;
    let (_driver, c, _profile) = browser("1280,900").await;
    c.goto(&format!("{}/dang-nhap", server.base)).await.unwrap();
    fill(&c, "input[name='login']", "0911000701").await;
    fill(&c, "input[name='password']", "mat-khau-123").await;
    c.find(Locator::Css("main form button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Đăng xuất").await;
    c.goto(&format!("{}/ban-to-chuc/chung-ket/moi", server.base))
        .await
        .unwrap();
    wait_hydrated(&c).await;
    wait_route(&c, "NewFinalRoute").await;
    wait_text(&c, "Rung chuông vàng").await;
    let seats: Vec<String> = (1..=16)
        .map(|s| format!("{s}; Thí sinh số {s}; Xã {}", (s + 3) / 4))
        .collect();
    fill(&c, "textarea[name='finalists']", &seats.join("\n")).await;
    // Drop the tie-break segment: the form keeps the other five.
    c.find(Locator::XPath("(//fieldset[contains(@class,'segment-form')])[last()]//button[contains(., 'Bỏ phần thi này')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        c.find_all(Locator::Css("fieldset.segment-form"))
            .await
            .unwrap()
            .len(),
        5
    );
    snap(&c, "final-form").await;
    c.find(Locator::XPath(
        "//button[contains(., 'Tạo vòng chung kết và phát mã')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_text(&c, "Mã vào các màn hình").await;
    wait_text(&c, "Ghế 16 – Thí sinh số 16").await;
    wait_text(&c, "Giám khảo 3").await;
    // The table may still be settling after the navigation: wait for it.
    let mut codes = c.find_all(Locator::Css("[data-code-for]")).await.unwrap();
    for _ in 0..50 {
        if codes.len() >= 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        codes = c.find_all(Locator::Css("[data-code-for]")).await.unwrap();
    }
    assert_eq!(
        codes.len(),
        1 + 16 + 3,
        "a code for the host, every seat and every judge"
    );
    wait_css(&c, "img[src^='/truc-tiep/qr/']").await;
    snap(&c, "final-codes").await;
    c.close().await.unwrap();
}

/// A cadre whose password was reset logs in with the temporary one and is
/// made to choose a new one before anything else.
#[tokio::test]
async fn a_cadre_with_a_reset_password_must_choose_a_new_one() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let organizer = server.user(&admin, "organizer", "0911000701").await;
    let _cadre = server.user(&admin, "contestant", "0911000702").await;
    let reset = organizer
        .json("reset_password", &[("login", "0911000702")])
        .await;
    let temp = reset["password"].as_str().unwrap().to_string();
    let (_driver, c, _profile) = browser("390,844").await;

    c.goto(&format!("{}/dang-nhap", server.base)).await.unwrap();
    fill(&c, "input[name='login']", "0911000702").await;
    fill(&c, "input[name='password']", &temp).await;
    c.find(Locator::Css("main form button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_css(&c, "[data-must-change='1']").await;
    assert!(c.current_url().await.unwrap().path().starts_with("/doi-mat-khau"));
    snap(&c, "doi-mat-khau").await;

    // Anywhere else it goes, it comes back here.
    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_css(&c, "[data-must-change='1']").await;

    wait_hydrated(&c).await;
    wait_route(&c, "ChangePasswordRoute").await;
    fill(&c, "input[name='current']", &temp).await;
    fill(&c, "input[name='password']", "mat-khau-cua-toi").await;
    fill(&c, "input[name='password2']", "mat-khau-cua-toi").await;
    c.find(Locator::XPath("//button[contains(., 'Đổi mật khẩu')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "Xin chào").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.current_url().await.unwrap().path() != "/" {
        assert!(Instant::now() < deadline, "not sent home after the change");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.find(Locator::Css("[data-must-change='1']")).await.is_err());
    // The new password is the one that works now.
    let fresh = server.client();
    fresh.login("0911000702", "mat-khau-cua-toi").await;
    assert_eq!(fresh.json("whoami", &[]).await["must_change_password"], false);
}
