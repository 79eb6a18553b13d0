//! The command line: `serve` and the bank tools.

use crate::config::{Args, BankCommand, Command, ExportFormat};
use hoithi_core::bank::{self, Action};
use hoithi_core::formats::{self, Defaults, Format};
use hoithi_core::store::{self, Db};
use std::process::ExitCode;

pub async fn run(args: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match args.command {
        Command::Serve(serve) => {
            crate::web::serve(&args.database_url, serve).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bank { command } => bank_command(&args.database_url, command).await,
        Command::Routes => {
            // Every server function and plain route: the role matrix test
            // checks it has a row for each.
            let mut lines: Vec<String> = leptos::server_fn::axum::server_fn_paths()
                .map(|(p, m)| format!("{m} {p}"))
                .collect();
            lines.extend(crate::web::PLAIN_ROUTES.iter().map(|(m, p)| format!("{m} {p}")));
            lines.sort();
            for l in lines {
                println!("{l}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Precompress { site_root } => {
            let dir = std::path::Path::new(&site_root).join("pkg");
            match crate::precompress::compress_dir(&dir) {
                Ok(done) => {
                    for (f, from, to) in &done {
                        println!("{}: {from} → {to} byte (brotli)", f.display());
                    }
                    if done.is_empty() {
                        println!("{}: đã nén sẵn, không có gì mới", dir.display());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Lỗi: không nén được {}: {e}", dir.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Backup { path } => {
            let db = Db::connect(&args.database_url).await?;
            match store::backup(&db, &path).await {
                Ok(bytes) => {
                    println!("Đã sao lưu {bytes} byte vào {}", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Lỗi: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// Reads and parses files; prints per-file counts or errors. Returns the
/// questions when every file is clean.
fn read_files(
    files: &[std::path::PathBuf],
    options: crate::config::ImportOptions,
) -> Result<Vec<(usize, hoithi_core::model::QuestionDraft)>, usize> {
    let mut n_errors = 0;
    let mut categories = std::collections::BTreeMap::new();
    for c in &options.categories {
        match c.rsplit_once('=') {
            Some((name, topic)) if hoithi_core::taxonomy::find(topic).is_some() => {
                categories.insert(name.trim().to_string(), topic.trim().to_string());
            }
            _ => {
                println!("--category \"{c}\": cần dạng \"danh mục=mã chủ đề\" với một chủ đề có trong danh mục");
                n_errors += 1;
            }
        }
    }
    let defaults = Defaults {
        topic: options.topic,
        categories,
        skip_unsupported: options.skip_unsupported,
        ..Defaults::default()
    };
    let mut all = Vec::new();
    for path in files {
        let name = path.display();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                println!("{name}: không đọc được tệp: {e}");
                n_errors += 1;
                continue;
            }
        };
        let Some(format) = Format::detect(&path.to_string_lossy(), &bytes) else {
            println!("{name}: không nhận ra định dạng (.hq, .xlsx, .csv, .gift, .aiken, .xml, .txt)");
            n_errors += 1;
            continue;
        };
        let parsed = formats::parse(format, &bytes, &defaults);
        for e in &parsed.skipped {
            println!("{name}: bỏ qua: {e}");
        }
        if parsed.errors.is_empty() {
            println!(
                "{name}: {} câu hỏi ({})",
                parsed.questions.len(),
                format.label()
            );
            all.extend(parsed.questions);
        } else {
            for e in &parsed.errors {
                println!("{name}: {e}");
            }
            n_errors += parsed.errors.len();
        }
    }
    if n_errors > 0 {
        Err(n_errors)
    } else {
        Ok(all)
    }
}

async fn bank_command(
    database_url: &str,
    cmd: BankCommand,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cmd {
        BankCommand::Check { files, options } => {
            let questions = match read_files(&files, options) {
                Ok(q) => q,
                Err(n) => {
                    println!("{n} lỗi.");
                    return Ok(ExitCode::FAILURE);
                }
            };
            // Across files: repeated keys are errors, repeated texts are warnings.
            let plan = bank::plan(&[], questions);
            for e in &plan.errors {
                println!("lỗi: {e}");
            }
            for e in &plan.entries {
                if let Action::Duplicate { of } = &e.action {
                    println!(
                        "cảnh báo: câu \"{}\" trùng nội dung với {of}",
                        e.draft.key.as_deref().unwrap_or("?")
                    );
                }
            }
            println!("Tổng cộng: {} câu hỏi.", plan.entries.len());
            Ok(if plan.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        BankCommand::Import {
            files,
            dry_run,
            options,
        } => {
            let questions = match read_files(&files, options) {
                Ok(q) => q,
                Err(n) => {
                    println!("{n} lỗi. Không câu nào được nhập.");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let db = Db::connect(database_url).await?;
            let plan = if dry_run {
                store::questions::plan(&db, questions).await?
            } else {
                match store::questions::import(&db, questions, None, None).await {
                    Ok(p) => p,
                    Err(store::StoreError::Invalid(m)) => {
                        println!("{m}\nKhông câu nào được nhập.");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            for e in &plan.errors {
                println!("lỗi: {e}");
            }
            for e in &plan.entries {
                if let Action::Duplicate { of } = &e.action {
                    println!("trùng (bỏ qua): dòng {} trùng với {of}", e.line);
                }
            }
            let c = plan.counts();
            println!(
                "{}{} câu mới, {} phiên bản mới, {} không đổi, {} trùng.",
                if dry_run {
                    "Chạy thử: "
                } else {
                    "Đã nhập: "
                },
                c.new,
                c.new_versions,
                c.unchanged,
                c.duplicates
            );
            Ok(if plan.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        BankCommand::Export { format, out, all } => {
            let db = Db::connect(database_url).await?;
            let questions = store::questions::export(&db, all).await?;
            let bytes = match format {
                ExportFormat::Xlsx => formats::xlsx::write(&questions),
                ExportFormat::Csv => formats::csv_fmt::write(&questions),
                ExportFormat::Native => formats::native::write(&questions).into_bytes(),
            };
            std::fs::write(&out, bytes)?;
            println!("Đã xuất {} câu hỏi ra {}", questions.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
