//! The demonstration a first start shows (unless `--no-demo`): a small unit
//! tree, cadres who took a closed round (key and results published, prizes,
//! confirmed finalists), a round open now that anyone registered can take,
//! and a final ready to play with a host, two seats, a judge and the
//! projector. Everything goes through the same store functions as real use.

use super::{attempts, finals, now_ms, questions, results, rounds, Db, Result, StoreError};
use crate::live::build::{self, ProgramSpec};
use crate::live::program::Finalist;
use crate::round::grading::Response;
use crate::round::rules::{default_prizes, Prize};
use crate::round::{Counting, ReviewPolicy, RoundRules};

/// The demo final's screens, printed beside the admin's first log-in.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoFinal {
    pub name: String,
    pub host: String,
    pub seats: Vec<(u32, String)>,
    pub judges: Vec<String>,
    /// The audience's code: `/truc-tiep/{join}/man-chieu` is the projector.
    pub join: String,
}

const DAY: i64 = 86_400_000;
const MINUTE: i64 = 60_000;

/// (code, name, kind, parent code, headcount)
const UNITS: [(&str, &str, &str, Option<&str>, i64); 4] = [
    ("DEMO-UH", "Huyện Ứng Hòa", "district", None, 2500),
    ("DEMO-VD", "Thị trấn Vân Đình", "commune", Some("DEMO-UH"), 120),
    ("DEMO-PT", "Xã Phương Tú", "commune", Some("DEMO-UH"), 100),
    ("DEMO-HS", "Xã Hòa Sơn", "commune", Some("DEMO-UH"), 80),
];

const NAMES: [&str; 18] = [
    "Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai", "Vũ Đức Thắng",
    "Đặng Thị Thu", "Bùi Văn Nam", "Đỗ Thị Hằng", "Ngô Quang Huy", "Dương Thị Ngọc", "Lý Văn Bình",
    "Phan Thị Yến", "Trịnh Văn Long", "Đinh Thị Hạnh", "Mai Xuân Trường", "Tạ Thị Loan", "Cao Văn Đức",
];

const POSITIONS: [&str; 3] = ["Bí thư chi bộ", "Đảng viên", "Công chức"];

/// Seeds the demonstration into the (only) contest `contest_id`, on behalf of
/// the admin `admin_id`; returns the demo final's codes.
pub async fn seed(db: &Db, contest_id: &str, admin_id: &str) -> Result<DemoFinal> {
    let now = now_ms();
    let units = seed_units(db).await?;
    let cadres = seed_cadres(db, &units, now).await?;

    // A round that ended last week: every cadre took it, results are public.
    let past = RoundRules {
        name: "Tuần thi thứ nhất".into(),
        opens_at: now - 14 * DAY,
        closes_at: now - 7 * DAY,
        questions_per_attempt: 10,
        draw: Vec::new(),
        time_limit_secs: 15 * 60,
        attempts_allowed: 1,
        counting: Counting::Best,
        review: ReviewPolicy::AfterClose,
        prediction: true,
        prizes: vec![
            Prize { name: "Giải Nhất".into(), count: 1 },
            Prize { name: "Giải Nhì".into(), count: 2 },
            Prize { name: "Giải Ba".into(), count: 3 },
        ],
    };
    rounds::validate(db, &past).await?;
    let past_id = rounds::create(db, contest_id, &past).await?;
    rounds::set_published(db, &past_id, true).await?;
    let round = rounds::get_one(db, &past_id).await?;
    for (i, user) in cadres.iter().enumerate() {
        // Spread over the week, each with its own share of right answers.
        let start = past.opens_at + (i as i64) * 8 * 3_600_000 + 9 * 3_600_000;
        let attempt = attempts::start(db, &round, user, start).await?;
        let right = 10 - (i * 7 % 9);
        for item in attempts::items(db, &attempt.id).await?.iter().take(right) {
            if let Some(answer) = correct_answer(item) {
                attempts::save_answer(db, &attempt, item.position, answer, start + MINUTE).await?;
            }
        }
        let took = (4 + (i as i64 * 5) % 9) * MINUTE;
        attempts::submit(db, &attempt, Some((i % 4) as i64), start + took).await?;
    }
    rounds::set_key_published(db, &past_id, true).await?;
    rounds::set_results_published(db, &past_id, true).await?;
    let ranked = results::overall(db, contest_id).await?;
    let finalists: Vec<String> = ranked.iter().take(4).map(|r| r.person.user_id.clone()).collect();
    results::confirm_finalists(db, contest_id, &finalists, admin_id).await?;

    // The round open now, for anyone who registers.
    let open = RoundRules {
        name: "Tuần thi thứ hai".into(),
        opens_at: now - DAY,
        closes_at: now + 30 * DAY,
        questions_per_attempt: 10,
        draw: Vec::new(),
        time_limit_secs: 15 * 60,
        attempts_allowed: 2,
        counting: Counting::Best,
        review: ReviewPolicy::AfterSubmit,
        prediction: true,
        prizes: default_prizes(),
    };
    rounds::validate(db, &open).await?;
    let open_id = rounds::create(db, contest_id, &open).await?;
    rounds::set_published(db, &open_id, true).await?;

    // A short final of the two best: one question for all, the buzzer, a
    // situation for the judge.
    let top: Vec<Finalist> = ranked
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, r)| Finalist {
            seat: i as u32 + 1,
            name: r.person.full_name.clone(),
            unit: r.person.unit_name.clone().unwrap_or_default(),
        })
        .collect();
    let template = build::template();
    let mut segments: Vec<_> = template.iter().take(2).cloned().collect();
    segments[0].count = 3;
    segments[1].count = 3;
    segments.extend(template.iter().find(|s| !s.prompts.is_empty()).cloned());
    let spec = ProgramSpec {
        finalists: top,
        judges: vec!["Giám khảo 1".into()],
        segments,
        prizes: vec![
            Prize { name: "Giải Nhất".into(), count: 1 },
            Prize { name: "Giải Nhì".into(), count: 1 },
        ],
    };
    let bank = questions::export(db, false).await?;
    let program = build::build(&spec, &bank, &mut build::rng())
        .map_err(|e| StoreError::Invalid(e.join("; ")))?;
    let name = "Chung kết (trình diễn)".to_string();
    let final_id = finals::create(db, Some(contest_id), &name, &program).await?;
    let rec = finals::get_one(db, &final_id).await?;
    let mut demo = DemoFinal {
        name,
        host: String::new(),
        seats: Vec::new(),
        judges: Vec::new(),
        join: rec.join_code,
    };
    for (role, slot, code) in finals::codes(db, &final_id).await? {
        match role.as_str() {
            "host" => demo.host = code,
            "seat" => demo.seats.push((slot as u32, code)),
            _ => demo.judges.push(code),
        }
    }
    demo.seats.sort();
    Ok(demo)
}

/// The answer a cadre who knows gives: every correct option (in display
/// positions) or the first accepted text.
fn correct_answer(item: &attempts::ItemRecord) -> Option<Response> {
    if item.draft.options.is_empty() {
        return item.draft.answers.first().map(|a| Response::Text(a.clone()));
    }
    let chosen: Vec<usize> = item
        .option_order
        .iter()
        .enumerate()
        .filter(|(_, &o)| item.draft.options[o].correct)
        .map(|(d, _)| d)
        .collect();
    (!chosen.is_empty()).then_some(Response::Choices(chosen))
}

/// The four demo units (district and three communes): code → id.
async fn seed_units(db: &Db) -> Result<Vec<String>> {
    let mut ids: Vec<(&str, String)> = Vec::new();
    for (code, name, kind, parent, headcount) in UNITS {
        let id = super::new_id();
        let parent_id = parent.and_then(|p| ids.iter().find(|(c, _)| *c == p).map(|(_, id)| id.clone()));
        sqlx::query("INSERT INTO units (id, code, name, kind, parent_id, headcount) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(code)
            .bind(name)
            .bind(kind)
            .bind(parent_id)
            .bind(headcount)
            .execute(&db.pool)
            .await?;
        ids.push((code, id));
    }
    // Cadres belong to the communes.
    Ok(ids.into_iter().skip(1).map(|(_, id)| id).collect())
}

/// Demo cadres in the communes. Their password is random and shown to
/// nobody: they are records to look at, not accounts to use.
async fn seed_cadres(db: &Db, communes: &[String], now: i64) -> Result<Vec<String>> {
    let hash = crate::auth::hash_password(&crate::auth::new_password());
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let id = super::new_id();
        sqlx::query(
            "INSERT INTO users (id, login, full_name, password_hash, role, unit_id, position, created_at) \
             VALUES ($1, $2, $3, $4, 'contestant', $5, $6, $7)",
        )
        .bind(&id)
        .bind(format!("trinh-dien-{:02}@hoithi.vn", i + 1))
        .bind(*name)
        .bind(&hash)
        .bind(&communes[i % communes.len()])
        .bind(POSITIONS[i % POSITIONS.len()])
        .bind(now - 20 * DAY)
        .execute(&db.pool)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}
