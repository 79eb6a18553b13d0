//! First start: the directive bank, a demo contest and the first admin.

use super::{contests, questions, users, Db, Result, StoreError};
use crate::formats::{self, Format};
use crate::model::Role;
use include_dir::{include_dir, Dir};

static BANK: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../questions");

/// The embedded directive bank, file by file, in name order.
pub fn bank_files() -> Vec<(&'static str, &'static [u8])> {
    let mut files: Vec<_> = BANK
        .files()
        .filter(|f| f.path().extension().and_then(|e| e.to_str()) == Some("hq"))
        .map(|f| (f.path().to_str().unwrap_or(""), f.contents()))
        .collect();
    files.sort_by_key(|(name, _)| *name);
    files
}

/// Parses the embedded bank; its errors are bugs in `questions/`.
pub fn bank() -> std::result::Result<Vec<(usize, crate::model::QuestionDraft)>, String> {
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for (name, bytes) in bank_files() {
        let p = formats::parse(Format::Native, bytes, &Default::default());
        errors.extend(p.errors.iter().map(|e| format!("{name}: {e}")));
        all.extend(p.questions);
    }
    if errors.is_empty() {
        Ok(all)
    } else {
        Err(errors.join("\n"))
    }
}

pub struct SeedReport {
    pub questions: usize,
    /// Login and password of the admin created now, shown once.
    pub admin: Option<(String, String)>,
    /// The demonstration's final, when this start seeded the demo.
    pub demo: Option<super::demo::DemoFinal>,
}

/// Seeds what an empty database needs: the directive bank and the first
/// admin; with `demo`, on a database without contests, the demonstration
/// (`store::demo`).
pub async fn first_start(db: &Db, admin_password: Option<&str>, demo: bool) -> Result<SeedReport> {
    let mut report = SeedReport {
        questions: 0,
        admin: None,
        demo: None,
    };
    let (_, total) = questions::list(
        db,
        &questions::Filter {
            include_retired: true,
            limit: 1,
            ..Default::default()
        },
    )
    .await?;
    if total == 0 {
        let bank = bank().map_err(StoreError::Invalid)?;
        let plan = questions::import(db, bank, None, None).await?;
        report.questions = plan.counts().new;
    }
    if users::count_role(db, Role::Admin).await? == 0 {
        let password = admin_password
            .map(String::from)
            .unwrap_or_else(crate::auth::new_password);
        let admin = users::create(
            db,
            users::NewUser {
                login: "admin",
                full_name: "Quản trị hệ thống",
                password: &password,
                role: Role::Admin,
                unit_id: None,
                position: "",
            },
        )
        .await?;
        // A generated password was printed on a console: replace it first.
        if admin_password.is_none() {
            users::require_password_change(db, &admin.id).await?;
        }
        report.admin = Some(("admin".into(), password));
    }
    if demo && contests::list(db).await?.is_empty() {
        let contest = contests::create(
            db,
            "Hội thi tìm hiểu Chỉ thị số 24-CT/TU (bản trình diễn)",
            "Cuộc thi mẫu về Chỉ thị số 24-CT/TU ngày 7-8-2023 của Ban Thường vụ Thành ủy Hà Nội về tăng cường kỷ cương, kỷ luật và trách nhiệm giải quyết công việc trong hệ thống chính trị thành phố.",
            None,
        )
        .await?;
        let admin: String = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1")
            .fetch_one(&db.pool)
            .await?;
        report.demo = Some(super::demo::seed(db, &contest, &admin).await?);
    }
    Ok(report)
}
