//! Certificates over HTTP against the real server: issued to the winners
//! once results are public, downloaded by the holder and the organizer (one
//! PDF, a zip, the decision list), read back with `pdftotext` (the
//! Vietnamese name exactly) and rendered to PNG with `pdftoppm`; verified by
//! serial on the public page; revoked with the prize.

use hoithi_tests::{local_window, Client, Server};
use std::process::Command;

/// A valid 1×1 PNG, as an uploaded seal.
const SEAL: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const PEOPLE: [(&str, &str); 4] = [
    ("0917000100", "Nguyễn Thị Hồng Nhung"),
    ("0917000101", "Trần Văn Đức"),
    ("0917000102", "Lê Hoàng Yến"),
    ("0917000103", "Phạm Quốc Việt"),
];

fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("hoithi-cert-{}", hoithi_tests::new_device()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("c.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", file.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian's poppler-utils; .ci/setup installs it)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    // A page rendered to an image: the PDF draws, not just parses.
    let png = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", file.to_str().unwrap(), dir.join("p").to_str().unwrap()])
        .output()
        .expect("pdftoppm");
    assert!(png.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&png.stderr));
    let page = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.path().extension().is_some_and(|x| x == "png"))
        .expect("a PNG page");
    let bytes = std::fs::read(page.path()).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 2_000, "{} bytes", bytes.len());
    let _ = std::fs::remove_dir_all(&dir);
    // pdftotext may join or split lines; compare on single spaces.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn bytes(c: &Client, path: &str) -> (u16, Vec<u8>) {
    let r = c.get(path).await;
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn winners_get_certificates_anyone_can_verify_and_a_revoked_prize_revokes_its_certificate() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let organizer = s.user(&admin, "organizer", "0917000001").await;
    let contest = organizer
        .json("create_contest", &[("name", "Hội thi tìm hiểu Chỉ thị 24-CT/TU"), ("description", ""), ("unit_id", "")])
        .await;
    let contest = contest.as_str().unwrap().to_string();
    let (open, close) = local_window();
    let round = organizer
        .json(
            "save_round",
            &[
                ("contest_id", &contest),
                ("round_id", ""),
                ("name", "Tuần thi thứ nhất"),
                ("opens_at", &open),
                ("closes_at", &close),
                ("questions", "5"),
                ("draw", ""),
                ("time_limit_minutes", "20"),
                ("attempts_allowed", "1"),
                ("counting", "best"),
                ("review", "after_submit"),
                ("prediction", "1"),
                ("prizes", "Giải Nhất: 1\nGiải Nhì: 2"),
            ],
        )
        .await;
    let round = round.as_str().unwrap().to_string();
    organizer.json("round_action", &[("round_id", &round), ("action", "publish")]).await;

    // Four cadres; nobody answers, so the prediction decides: 0 is nearest.
    let mut cadres = Vec::new();
    for (i, (login, name)) in PEOPLE.iter().enumerate() {
        let c = s.client();
        let (status, body) = c
            .call(
                "register",
                &[("full_name", name), ("login", login), ("password", "mat-khau-123"), ("password2", "mat-khau-123"),
                  ("unit_id", ""), ("position", "Chuyên viên")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let a = c.json("start_attempt", &[("round_id", &round)]).await;
        let a = a.as_str().unwrap().to_string();
        c.json("submit_attempt", &[("attempt_id", &a), ("prediction", &i.to_string())]).await;
        cadres.push((c, a));
    }

    // Not before the results are public.
    let (status, body) = organizer.call("issue_certificates", &[("round_id", &round)]).await;
    assert_eq!(status, 422, "{body}");
    organizer.json("round_action", &[("round_id", &round), ("action", "close")]).await;
    organizer.json("round_action", &[("round_id", &round), ("action", "publish_results")]).await;

    // Settings: a seal must be a PNG or JPEG.
    let (status, body) = organizer
        .call("save_certificate_settings", &[("contest_id", &contest), ("committee", "Ban Tổ chức"), ("seal", "data:image/svg+xml;base64,PHN2Zz4=")])
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = organizer
        .call(
            "save_certificate_settings",
            &[("contest_id", &contest), ("committee", "Ban Tổ chức Hội thi huyện Ứng Hòa"), ("seal", SEAL)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let summary = organizer.json("issue_certificates", &[("round_id", &round)]).await;
    assert!(summary.as_str().unwrap().starts_with("Cấp 3 giấy chứng nhận mới, thu hồi 0"), "{summary}");
    let again = organizer.json("issue_certificates", &[("round_id", &round)]).await;
    assert!(again.as_str().unwrap().starts_with("Cấp 0 giấy chứng nhận mới, thu hồi 0"), "idempotent: {again}");

    // The winner finds it on the result page and downloads it.
    let (winner, attempt) = &cadres[0];
    let result = winner.json("attempt_result", &[("id", attempt)]).await;
    let serial = result["certificate"].as_str().expect("a certificate").to_string();
    let (status, pdf) = bytes(winner, &format!("/giay-chung-nhan/{serial}")).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for needle in ["Nguyễn Thị Hồng Nhung", "GIẤY CHỨNG NHẬN", "Đã đạt Giải Nhất", "Tuần thi thứ nhất", "BAN TỔ CHỨC HỘI THI HUYỆN ỨNG HÒA", serial.as_str()] {
        assert!(text.contains(needle), "{needle:?} not in the PDF's text: {text}");
    }
    // Nobody else's to download.
    let (status, _) = bytes(&cadres[3].0, &format!("/giay-chung-nhan/{serial}")).await;
    assert_eq!(status, 404);
    let (status, _) = bytes(&s.client(), &format!("/giay-chung-nhan/{serial}")).await;
    assert_eq!(status, 401);

    // Anyone verifies it by its serial, on the page the QR code opens.
    let anon = s.client();
    let v = anon.json("verify_certificate", &[("serial", &serial)]).await;
    assert_eq!(v["full_name"], "Nguyễn Thị Hồng Nhung");
    assert_eq!(v["award"], "Giải Nhất");
    assert!(v["revoked"].is_null());
    let page = anon.get(&format!("/chung-nhan/{serial}")).await.text().await.unwrap();
    assert!(page.contains("Hợp lệ") && page.contains("Nguyễn Thị Hồng Nhung"), "{page}");
    let v = anon.json("verify_certificate", &[("serial", "HT-ZZZZZZZZZZ")]).await;
    assert!(v.is_null());
    let page = anon.get("/chung-nhan/HT-ZZZZZZZZZZ").await.text().await.unwrap();
    assert!(page.contains("Không hợp lệ"), "{page}");

    // The organizer's downloads: one PDF, a zip, the decision list.
    let base = format!("/ban-to-chuc/chung-nhan?vong={round}");
    let (status, all) = bytes(&organizer, &format!("{base}&dang=pdf")).await;
    assert_eq!(status, 200);
    let text = pdf_text(&all);
    for (_, name) in &PEOPLE[..3] {
        assert!(text.contains(name), "{name} not in the round's PDF");
    }
    assert!(!text.contains(PEOPLE[3].1), "no prize, no certificate");
    let (status, zip) = bytes(&organizer, &format!("{base}&dang=zip")).await;
    assert_eq!(status, 200);
    assert!(zip.starts_with(b"PK"));
    assert_eq!(zip.windows(4).filter(|w| *w == b"PK\x03\x04").count(), 3, "one PDF a winner");
    let (status, xlsx) = bytes(&organizer, &format!("{base}&dang=xlsx")).await;
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"));
    let (status, _) = bytes(winner, &format!("{base}&dang=pdf")).await;
    assert_eq!(status, 403);

    // The winner is disqualified: the prize and its certificate go, the
    // next in line moves up and gets one.
    let ranking = organizer.json("round_ranking", &[("id", &round)]).await;
    let winner_id = ranking["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["full_name"] == PEOPLE[0].1)
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = organizer
        .call(
            "fairplay_decide",
            &[("round_id", &round), ("action", "disqualify_person"), ("flag_key", ""), ("attempt_id", ""),
              ("user_id", &winner_id), ("reason", "Nhờ người khác làm bài")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v = anon.json("verify_certificate", &[("serial", &serial)]).await;
    assert!(v["revoked"].as_str().unwrap().contains("thu hồi"), "{v}");
    let page = anon.get(&format!("/chung-nhan/{serial}")).await.text().await.unwrap();
    assert!(page.contains("Không hợp lệ") && page.contains("thu hồi"), "{page}");
    let (status, _) = bytes(winner, &format!("/giay-chung-nhan/{serial}")).await;
    assert_eq!(status, 410);
    let result = winner.json("attempt_result", &[("id", attempt)]).await;
    assert!(result["certificate"].is_null());
    let list = organizer.json("round_certificates", &[("round_id", &round)]).await;
    let standing: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["revoked"].is_null())
        .map(|c| format!("{} {}", c["full_name"].as_str().unwrap(), c["award"].as_str().unwrap()))
        .collect();
    assert_eq!(standing.len(), 3, "{list:#}");
    assert!(standing.contains(&"Trần Văn Đức Giải Nhất".to_string()), "{standing:?}");
    assert!(standing.contains(&"Phạm Quốc Việt Giải Nhì".to_string()), "{standing:?}");

    // Issuing and revoking are in the audit log.
    let log = organizer.json("audit_log", &[("action", ""), ("actor", ""), ("from", ""), ("to", "")]).await;
    let log = log.to_string();
    assert!(log.contains("Cấp 3 giấy chứng nhận mới") && log.contains("Giấy chứng nhận: Ban Tổ chức Hội thi huyện Ứng Hòa"), "{log}");
}
