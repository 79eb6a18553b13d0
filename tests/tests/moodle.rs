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
