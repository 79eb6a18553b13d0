//! A Moodle user's GIFT export through the web preview: the unknown
//! category is asked for once, the admin gives it a topic and skips the
//! matching question, and the rest imports.

use hoithi_tests::Server;

#[tokio::test]
async fn the_preview_maps_a_category_and_skips_what_the_bank_cannot_hold() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let bytes = std::fs::read(hoithi_tests::workspace_root().join("tests/fixtures/moodle/questions_in_category.gift.txt")).unwrap();
    let (status, loc) = admin.upload("questions", "questions_in_category.gift.txt", bytes, "").await;
    assert_eq!(status, 303, "{loc}");
    let id = loc.rsplit('/').next().unwrap().to_string();

    let p = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(p["unknown_categories"][0][1], "Default for New Features");
    assert_eq!(p["has_options"], true);
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "the category once, the matching question once: {errors:?}");
    let (status, _) = admin.call("import_confirm", &[("id", &id)]).await;
    assert_eq!(status, 422, "nothing imports while errors remain");

    // A topic that does not exist is refused; a real one is kept.
    let (status, body) = admin
        .call("import_options", &[("id", &id), ("categories[0]", "Default for New Features"), ("topics[0]", "khong-co")])
        .await;
    assert_eq!(status, 422, "{body}");
    admin
        .json(
            "import_options",
            &[("id", &id), ("categories[0]", "Default for New Features"), ("topics[0]", "ct24.nv2"), ("skip_unsupported", "true")],
        )
        .await;
    let p = admin.json("import_preview", &[("id", &id)]).await;
    assert!(p["errors"].as_array().unwrap().is_empty(), "{p}");
    assert_eq!(p["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(p["category_topics"][0], serde_json::json!(["Default for New Features", "ct24.nv2"]));
    assert_eq!(p["counts"]["new"], 3);
    let counts = admin.json("import_confirm", &[("id", &id)]).await;
    assert_eq!(counts["new"], 3);
    let page = admin
        .json("list_questions", &[("topic", "ct24.nv2"), ("difficulty", ""), ("q", "Moodle"), ("retired", "false"), ("page", "1")])
        .await;
    assert_eq!(page["total"], 2, "{page}");
    // Once imported, the options are closed.
    let (status, _) = admin.call("import_options", &[("id", &id), ("skip_unsupported", "false")]).await;
    assert_eq!(status, 422);
}

/// A Moodle XML export with an embedded image, through the preview; and an
/// image uploaded in the editor, checked by the server.
#[tokio::test]
async fn images_are_kept_with_their_questions_and_checked() {
    let s = Server::start().await;
    let admin = s.admin().await;
    let bytes = std::fs::read(hoithi_tests::workspace_root().join("tests/fixtures/moodle/sample_questions_with_old_image_tag.xml")).unwrap();
    let (status, loc) = admin.upload("questions", "moodle.xml", bytes, "ct24.tong-quan").await;
    assert_eq!(status, 303, "{loc}");
    let id = loc.rsplit('/').next().unwrap().to_string();
    let p = admin.json("import_preview", &[("id", &id)]).await;
    assert_eq!(p["format"], "Moodle XML");
    assert_eq!(p["errors"].as_array().unwrap().len(), 1, "the cloze question: {p}");
    admin.json("import_options", &[("id", &id), ("skip_unsupported", "true")]).await;
    assert_eq!(admin.json("import_confirm", &[("id", &id)]).await["new"], 1);
    let page = admin
        .json("list_questions", &[("topic", "ct24.tong-quan"), ("difficulty", ""), ("q", "multichoice question with an image"), ("retired", "false"), ("page", "1")])
        .await;
    let qid = page["items"][0]["id"].as_str().unwrap().to_string();
    let q = admin.json("get_question", &[("id", &qid)]).await;
    assert!(q["item"]["draft"]["image"].as_str().unwrap().starts_with("data:image/png;base64,"), "{q}");

    // The editor: an uploaded PNG is kept; an SVG or a script address is not.
    let png = q["item"]["draft"]["image"].as_str().unwrap().to_string();
    let edit = |image: &str| {
        vec![
            ("id", qid.clone()), ("kind", "single".into()), ("topic", "ct24.tong-quan".into()), ("difficulty", "de".into()),
            ("text", "Câu có hình minh họa?".into()), ("options", "* Có\n- Không".into()), ("answers", "".into()),
            ("tolerance", "".into()), ("explanation", "Vì có hình.".into()), ("source", "".into()), ("image", image.to_string()),
        ]
    };
    for (image, ok) in [
        (png.as_str(), true),
        ("data:image/svg+xml;base64,PHN2Zy8+", false),
        ("javascript:alert(1)", false),
        ("https://hanoi.gov.vn/anh.png", true),
    ] {
        let form = edit(image);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = admin.call("save_question", &form).await;
        assert_eq!(status == 200, ok, "{image}: {status} {body}");
    }
}
