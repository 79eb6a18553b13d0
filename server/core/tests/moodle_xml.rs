//! Moodle XML: Moodle's own fixtures (nested categories, an essay, a cloze,
//! an embedded image) and a Vietnamese export with every kind the bank
//! holds.

use hoithi_core::formats::{self, Defaults, Format};
use hoithi_core::model::QuestionKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/moodle/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn nested_categories_are_asked_for_once_each_and_the_essay_named() {
    let bytes = fixture("nested_categories_with_questions.xml");
    assert_eq!(Format::detect("x.xml", &bytes), Some(Format::MoodleXml));
    assert_eq!(Format::detect("x.txt", &bytes), Some(Format::MoodleXml));
    let p = formats::parse(Format::MoodleXml, &bytes, &Defaults::default());
    let names: Vec<&str> = p.unknown_categories.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["Iota", "Iota/Kappa", "Iota/Kappa/Lambda", "Iota/Mu"]);
    // Four category errors and the essay, nothing per question.
    assert_eq!(p.errors.len(), 5, "{:?}", p.errors);
    let essay = p.errors.iter().find(|e| e.message.contains("tự luận")).unwrap();
    assert_eq!(essay.line, 56, "{essay:?}");

    let mut d = Defaults { skip_unsupported: true, ..Defaults::default() };
    for (c, t) in [("Iota", "ct24.nv1"), ("Iota/Kappa", "ct24.nv2"), ("Iota/Kappa/Lambda", "ct24.nv3"), ("iota/mu", "kh171")] {
        d.categories.insert(c.into(), t.into());
    }
    let p = formats::parse(Format::MoodleXml, &bytes, &d);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 1);
    let got: Vec<(&str, &str, QuestionKind)> =
        p.questions.iter().map(|(_, q)| (q.text.as_str(), q.topic.as_str(), q.kind)).collect();
    assert_eq!(
        got,
        [
            ("Testing Iota Question", "ct24.nv1", QuestionKind::TrueFalse),
            ("Testing Kappa Question", "ct24.nv2", QuestionKind::TrueFalse),
            ("Testing Lambda Question", "ct24.nv3", QuestionKind::TrueFalse),
            ("Testing Mu Question", "kh171", QuestionKind::TrueFalse),
        ]
    );
    assert!(p.questions[0].1.options.iter().any(|o| o.correct && o.text == "Đúng"), "{:?}", p.questions[0].1.options);
}

#[test]
fn an_embedded_image_travels_with_its_question() {
    let bytes = fixture("sample_questions_with_old_image_tag.xml");
    let d = Defaults { topic: Some("ct24.tong-quan".into()), skip_unsupported: true, ..Defaults::default() };
    let p = formats::parse(Format::MoodleXml, &bytes, &d);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 1, "the cloze question");
    assert!(p.skipped[0].message.contains("cloze"));
    let q = &p.questions[0].1;
    assert_eq!(q.text, "This is a multichoice question with an image in the old \"image\" field that was used in Moodle 1.9");
    let opts: Vec<(&str, bool)> = q.options.iter().map(|o| (o.text.as_str(), o.correct)).collect();
    assert_eq!(opts, [("wrong answer", false), ("another wrong answer", false), ("right answer", true)]);
    let img = q.image.as_deref().unwrap();
    assert!(img.starts_with("data:image/png;base64,iVBORw0KGgo"), "{img}");
}

#[test]
fn a_vietnamese_export_with_every_kind_the_bank_holds() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Chỉ thị 24/KH171</text></category></question>
  <question type="multichoice">
    <name><text>kh171.x1</text></name>
    <questiontext format="html"><text><![CDATA[<p>Kế hoạch 171-KH/TU có <b>mấy</b> nhóm?</p>]]></text></questiontext>
    <generalfeedback format="html"><text>Theo Kế hoạch &amp; Chỉ thị.</text></generalfeedback>
    <single>false</single>
    <answer fraction="50"><text>Một</text></answer>
    <answer fraction="50"><text>Hai</text></answer>
    <answer fraction="-100"><text>Ba</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>Hỏi ngắn</text></name>
    <questiontext format="html"><text>Thủ đô là?</text></questiontext>
    <answer fraction="100"><text>Hà Nội</text><feedback><text>Đúng rồi</text></feedback></answer>
    <answer fraction="50"><text>HN</text></answer>
    <answer fraction="0"><text>*</text></answer>
  </question>
  <question type="numerical">
    <name><text>Số</text></name>
    <questiontext format="html"><text>Bao nhiêu điểm cầu?</text></questiontext>
    <answer fraction="100"><text>649</text><tolerance>0</tolerance></answer>
    <answer fraction="0"><text>*</text></answer>
  </question>
  <question type="matching"><name><text>Ghép</text></name><questiontext><text>Ghép đôi</text></questiontext></question>
</quiz>
"#;
    let p = formats::parse(Format::MoodleXml, xml.as_bytes(), &Defaults::default());
    assert_eq!(p.errors.len(), 1, "only the matching question: {:?}", p.errors);
    assert_eq!(p.errors[0].line, 26);
    let q: Vec<_> = p.questions.iter().map(|(_, q)| q).collect();
    assert_eq!(q[0].key.as_deref(), Some("kh171.x1"));
    assert_eq!(q[0].kind, QuestionKind::Multiple);
    assert_eq!(q[0].text, "Kế hoạch 171-KH/TU có mấy nhóm?");
    assert_eq!(q[0].explanation, "Theo Kế hoạch & Chỉ thị.");
    assert_eq!(q[0].topic, "kh171");
    assert_eq!(q[1].answers, ["Hà Nội"]);
    assert_eq!(q[1].explanation, "Đúng rồi");
    assert_eq!((q[2].answers[0].as_str(), q[2].tolerance), ("649", None));

    let broken = formats::parse(Format::MoodleXml, b"<?xml version=\"1.0\"?>\n<quiz>\n<question type=\"truefalse\">\n</quiz>", &Defaults::default());
    assert_eq!(broken.errors.len(), 1);
    assert!(broken.errors[0].message.starts_with("Tệp XML hỏng"), "{:?}", broken.errors);
    assert!(broken.errors[0].line >= 3, "{:?}", broken.errors);
}
