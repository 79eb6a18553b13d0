//! Property tests on hostile input: every parser (native, CSV, xlsx, GIFT,
//! Aiken, Moodle XML, and the unit and cadre sheets) given arbitrary bytes or a valid
//! file mutated at random never panics, and answers either questions or
//! errors that say where.

#![cfg(feature = "formats")]

use hoithi_core::formats::{self, cadres, units, Defaults, Format};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const FORMATS: [Format; 6] = [
    Format::Native,
    Format::Csv,
    Format::Xlsx,
    Format::Gift,
    Format::Aiken,
    Format::MoodleXml,
];

fn valid_files() -> Vec<(Format, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../questions");
    let mut native = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "hq") {
            native = std::fs::read(&p).unwrap();
            break;
        }
    }
    let parsed = formats::native::parse(std::str::from_utf8(&native).unwrap());
    let drafts: Vec<_> = parsed.questions.into_iter().map(|(_, q)| q).collect();
    vec![
        (Format::Native, native),
        (Format::Csv, formats::csv_fmt::write(&drafts)),
        (Format::Xlsx, formats::xlsx::write(&drafts)),
        (
            Format::Gift,
            b"// c\n$CATEGORY: kh171\n::Q1:: Hai c\xE1\xBB\x99ng hai? {=4 ~3 ~5}\n\n::Q2:: \xC4\x90\xC3\xBAng? {T}\n".to_vec(),
        ),
        (
            Format::Aiken,
            b"Th\xE1\xBB\xA7 \xC4\x91\xC3\xB4?\nA. H\xC3\xA0 N\xE1\xBB\x99i\nB. Hu\xE1\xBA\xBF\nANSWER: A\n".to_vec(),
        ),
        (
            Format::MoodleXml,
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tests/fixtures/moodle/sample_questions_with_old_image_tag.xml"),
            )
            .unwrap(),
        ),
    ]
}

/// Whatever the input: no panic, and every error is located (a line, or 0
/// for the whole file) with a message.
fn check(format: Format, bytes: &[u8]) {
    let parsed = formats::parse(format, bytes, &Defaults::default());
    for e in &parsed.errors {
        assert!(!e.message.is_empty(), "{format:?}: an error without a message");
    }
    if parsed.errors.is_empty() {
        for q in &parsed.questions {
            assert!(!q.1.text.is_empty(), "{format:?}: a question without text");
        }
    }
    if matches!(format, Format::Csv | Format::Xlsx) {
        if let Ok(rows) = formats::read_table(format, bytes) {
            let _ = units::parse_rows(&rows, &HashMap::new());
            let known = [cadres::KnownUnit {
                id: "u1",
                code: "UH",
                name: "Ứng Hòa",
            }];
            let _ = cadres::parse_rows(&rows, &known, &HashSet::new());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), f in 0usize..6) {
        check(FORMATS[f], &bytes);
    }

    #[test]
    fn mutated_valid_files(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
    ) {
        let (format, mut bytes) = valid_files().swap_remove(which);
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        check(format, &bytes);
    }

    #[test]
    fn truncated_valid_files(which in 0usize..6, keep in 0.0f64..1.0) {
        let (format, bytes) = valid_files().swap_remove(which);
        let n = (bytes.len() as f64 * keep) as usize;
        check(format, &bytes[..n]);
    }
}

/// A tiny workbook that names a cell at the sheet's far corner is refused
/// with a message instead of allocating the rectangle.
#[test]
fn far_corner_workbook_is_refused() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "Câu hỏi").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000);
    let p = formats::parse(Format::Xlsx, &bytes, &Defaults::default());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("quá lớn"), "{:?}", p.errors);
    assert!(formats::read_table(Format::Xlsx, &bytes).is_err());
}
