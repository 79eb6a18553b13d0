//! Property tests: export then import gives the same bank, in every export
//! format.

#![cfg(feature = "formats")]

use hoithi_core::formats::{self, Defaults, Format};
use hoithi_core::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use hoithi_core::taxonomy::TOPICS;
use hoithi_core::text::{clean, format_number};
use proptest::prelude::*;

const CHARS: &str = "[a-zA-Z0-9àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐÂÊÔƠƯ ,.;:?!\"'()%#=~{}*/\\-]";

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("{CHARS}{{1,40}}"))
        .unwrap()
        .prop_map(|s| clean(&s))
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn maybe_text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), text()]
}

/// A short answer: anything but the `|` that separates answers in tables.
fn answer() -> impl Strategy<Value = String> {
    text().prop_filter("no separator", |s| !s.contains('|'))
}

fn question(index: usize) -> impl Strategy<Value = QuestionDraft> {
    let kind = prop_oneof![
        Just(QuestionKind::Single),
        Just(QuestionKind::Multiple),
        Just(QuestionKind::TrueFalse),
        Just(QuestionKind::Short),
        Just(QuestionKind::Numeric),
    ];
    (
        kind,
        0..TOPICS.len(),
        prop_oneof![
            Just(Difficulty::De),
            Just(Difficulty::Tb),
            Just(Difficulty::Kho)
        ],
        text(),
        proptest::collection::vec((text(), any::<bool>()), 2..8),
        proptest::collection::vec(answer(), 1..4),
        (-1_000_000i64..1_000_000, 0u8..4),
        proptest::option::of(0u32..100),
        (
            maybe_text(),
            maybe_text(),
            // An address, or an image uploaded as a data: address.
            proptest::option::of(prop_oneof![
                text().prop_map(|t| format!("https://hinh.vi.du/{t}")),
                Just("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE=".to_string()),
            ]),
        ),
        any::<bool>(),
    )
        .prop_map(
            move |(
                kind,
                topic,
                difficulty,
                q,
                opts,
                answers,
                (num, scale),
                tol,
                (explanation, source, image),
                tf,
            )| {
                let mut options: Vec<QuestionOption> = opts
                    .into_iter()
                    .map(|(text, correct)| QuestionOption { text, correct })
                    .collect();
                let mut answers = answers;
                let mut tolerance = None;
                match kind {
                    QuestionKind::Single => {
                        for o in options.iter_mut() {
                            o.correct = false;
                        }
                        options[0].correct = true;
                        answers.clear();
                    }
                    QuestionKind::Multiple => {
                        options[1].correct = true;
                        answers.clear();
                    }
                    QuestionKind::TrueFalse => {
                        options = QuestionDraft::true_false(tf);
                        answers.clear();
                    }
                    QuestionKind::Short => options.clear(),
                    QuestionKind::Numeric => {
                        options.clear();
                        answers = vec![format_number(num as f64 / 10f64.powi(scale as i32))];
                        tolerance = tol.map(|t| t as f64 / 4.0);
                    }
                }
                QuestionDraft {
                    key: Some(format!("prop.{index}")),
                    kind,
                    topic: TOPICS[topic].key.to_string(),
                    difficulty,
                    // The index keeps texts distinct, as a bank's are.
                    text: format!("{q} {index}"),
                    options,
                    answers,
                    tolerance,
                    explanation,
                    source,
                    image,
                }
            },
        )
}

fn bank() -> impl Strategy<Value = Vec<QuestionDraft>> {
    (1usize..12).prop_flat_map(|n| (0..n).map(question).collect::<Vec<_>>())
}

fn round_trip(format: Format, bytes: &[u8]) -> Vec<QuestionDraft> {
    let parsed = formats::parse(format, bytes, &Defaults::default());
    assert!(parsed.errors.is_empty(), "{format:?}: {:?}", parsed.errors);
    parsed.questions.into_iter().map(|(_, q)| q).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn native_round_trip(bank in bank()) {
        for q in &bank {
            prop_assert!(q.problems().is_empty(), "{:?}", q.problems());
        }
        let back = round_trip(Format::Native, formats::native::write(&bank).as_bytes());
        prop_assert_eq!(back, bank);
    }

    #[test]
    fn csv_round_trip(bank in bank()) {
        let back = round_trip(Format::Csv, &formats::csv_fmt::write(&bank));
        prop_assert_eq!(back, bank);
    }

    #[test]
    fn xlsx_round_trip(bank in bank()) {
        let back = round_trip(Format::Xlsx, &formats::xlsx::write(&bank));
        prop_assert_eq!(back, bank);
    }
}
