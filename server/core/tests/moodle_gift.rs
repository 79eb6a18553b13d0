//! Moodle's own GIFT fixtures, and the forms a Moodle user's export holds:
//! categories mapped to topics (or reported once each), every numeric form,
//! HTML text, and essay/matching questions skipped with their lines when
//! the admin chooses so.

use hoithi_core::formats::{self, Defaults, Format};
use hoithi_core::model::QuestionKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/moodle/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn with_topic(skip: bool) -> Defaults {
    Defaults {
        topic: Some("ct24.tong-quan".into()),
        skip_unsupported: skip,
        ..Defaults::default()
    }
}

#[test]
fn moodles_questions_fixture_imports_or_names_what_it_cannot() {
    let bytes = fixture("questions.gift.txt");
    assert_eq!(Format::detect("questions.gift.txt", &bytes), Some(Format::Gift));
    // All or nothing: the essay and the matching question refuse the file,
    // each with its line and the way out.
    let strict = formats::parse(Format::Gift, &bytes, &with_topic(false));
    let lines: Vec<usize> = strict.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [5, 8], "{:?}", strict.errors);
    assert!(strict.errors.iter().all(|e| e.message.contains("bỏ qua các câu không hỗ trợ")));

    let p = formats::parse(Format::Gift, &bytes, &with_topic(true));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let skipped: Vec<(usize, &str)> = p.skipped.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(skipped.len(), 2);
    assert!(skipped[0].0 == 5 && skipped[0].1.contains("tự luận"), "{skipped:?}");
    assert!(skipped[1].0 == 8 && skipped[1].1.contains("ghép đôi"), "{skipped:?}");
    let q: Vec<_> = p.questions.iter().map(|(_, d)| d).collect();
    assert_eq!(q.len(), 7);
    // Single choice, the [plain] marker dropped from an option.
    assert_eq!(q[0].kind, QuestionKind::Single);
    let opts: Vec<&str> = q[0].options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(opts, ["yellow", "red", "blue"]);
    assert_eq!(q[0].explanation, "right; good!");
    // Weighted: two right options of four.
    assert_eq!(q[1].kind, QuestionKind::Multiple);
    assert_eq!(q[1].options.iter().filter(|o| o.correct).count(), 2);
    // {#3:2~#Completely wrong}: 3 give or take 2.
    assert_eq!(q[2].kind, QuestionKind::Numeric);
    assert_eq!((q[2].answers[0].as_str(), q[2].tolerance), ("3", Some(2.0)));
    // Partial credit and the wildcard are not right answers here.
    assert_eq!(q[3].kind, QuestionKind::Short);
    assert_eq!(q[3].answers, ["Frog"]);
    assert_eq!(q[4].kind, QuestionKind::TrueFalse);
    assert!(q[4].explanation.starts_with("This is, of course"));
    assert!(q[4].options.iter().any(|o| o.correct && o.text.contains("Sai")), "{:?}", q[4].options);
}

#[test]
fn moodles_category_fixture_asks_for_its_topic_once() {
    let bytes = fixture("questions_in_category.gift.txt");
    // No default topic: the category is reported once, at its line, and its
    // questions are not each refused for it.
    let p = formats::parse(Format::Gift, &bytes, &Defaults { skip_unsupported: true, ..Defaults::default() });
    assert_eq!(p.unknown_categories, [(5, "Default for New Features".to_string())]);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(p.errors[0].line, 5);
    assert!(p.errors[0].message.contains("Default for New Features"));

    // The admin maps it in the preview: everything supported imports.
    let mut d = Defaults { skip_unsupported: true, ..Defaults::default() };
    d.categories.insert("Default for New Features".into(), "ct24.nv1".into());
    let p = formats::parse(Format::Gift, &bytes, &d);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 1);
    let q: Vec<_> = p.questions.iter().map(|(_, d)| d).collect();
    assert_eq!(q.len(), 3);
    assert!(q.iter().all(|d| d.topic == "ct24.nv1"));
    // HTML and escapes become plain text.
    assert_eq!(q[0].text, "Listen to this greeting: What language is being spoken?");
    assert_eq!(q[0].explanation, "Yes, well done!");
    assert_eq!(q[1].answers, ["Moodler"]);
    assert_eq!(
        q[2].text,
        "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment ."
    );
}

#[test]
fn a_vietnamese_moodle_export_maps_its_categories() {
    let src = "$CATEGORY: $course$/Chỉ thị 24/Tổng quan\n\n\
Câu một? {=Đúng ~Sai}\n\n\
Câu hai? {=Có ~Không}\n\n\
$CATEGORY: $course$/Chỉ thị 24/TONG QUAN CHI THI 24-CT//TU\n\n\
Câu ba? {#=3:2#Đúng =%50%3:4#Gần đúng ~#Sai hẳn}\n\n\
$CATEGORY: $course$/Chỉ thị 24/ct24.nv1\n\n\
Câu bốn? {#7}\n";
    let p = formats::parse(Format::Gift, src.as_bytes(), &Defaults::default());
    // "Tổng quan" names no topic: one error for the category, none per question.
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(p.unknown_categories, [(1, "Chỉ thị 24/Tổng quan".to_string())]);
    let topics: Vec<&str> = p.questions.iter().map(|(_, d)| d.topic.as_str()).collect();
    assert_eq!(topics, ["ct24.tong-quan", "ct24.nv1"], "name without case or diacritics, and a key");
    let three = &p.questions[0].1;
    assert_eq!((three.answers[0].as_str(), three.tolerance, three.explanation.as_str()), ("3", Some(2.0), "Đúng"));

    let mut d = Defaults::default();
    d.categories.insert("chi thi 24/tong quan".into(), "ct24.tong-quan".into());
    let p = formats::parse(Format::Gift, src.as_bytes(), &d);
    assert!(p.errors.is_empty() && p.unknown_categories.is_empty(), "{:?}", p.errors);
    assert_eq!(p.questions.len(), 4);
}
