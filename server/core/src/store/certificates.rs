//! Certificates in the database: a contest's settings (the committee's
//! name and seal, participants or prize-winners only) and the certificates
//! of each round, kept in step with its results by `sync`: a new winner gets
//! one, a prize taken away (a disqualification, a changed table) revokes
//! it. A certificate's facts are frozen when issued; its serial is what the
//! public verification page looks up.

use super::{get, Db, Result, StoreError};
use rand::Rng;
use std::collections::HashSet;

/// As printed when a contest has no settings yet.
pub const DEFAULT_COMMITTEE: &str = "BAN TỔ CHỨC HỘI THI";

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub committee: String,
    /// A `data:image/png` or `data:image/jpeg` address.
    pub seal: Option<String>,
    pub participants: bool,
}

pub async fn settings(db: &Db, contest_id: &str) -> Result<Option<Settings>> {
    let r = sqlx::query("SELECT committee, seal, participants FROM certificate_settings WHERE contest_id = $1")
        .bind(contest_id)
        .fetch_optional(&db.pool)
        .await?;
    r.map(|r| {
        Ok(Settings {
            committee: get(&r, "committee")?,
            seal: get(&r, "seal")?,
            participants: get::<i64>(&r, "participants")? != 0,
        })
    })
    .transpose()
}

pub async fn save_settings(db: &Db, contest_id: &str, s: &Settings, by: &str, now: i64) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM certificate_settings WHERE contest_id = $1")
        .bind(contest_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO certificate_settings (contest_id, committee, seal, participants, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(contest_id)
    .bind(&s.committee)
    .bind(s.seal.as_deref())
    .bind(i64::from(s.participants))
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    pub serial: String,
    pub round_id: String,
    pub user_id: String,
    /// `None`: participation.
    pub prize: Option<String>,
    pub full_name: String,
    pub unit_name: Option<String>,
    pub round_name: String,
    pub contest_name: String,
    pub committee: String,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

/// Someone who should hold a certificate of the round now.
#[derive(Clone, Debug, PartialEq)]
pub struct Wanted {
    pub user_id: String,
    pub prize: Option<String>,
    pub full_name: String,
    pub unit_name: Option<String>,
}

/// What is printed on every certificate of the round.
pub struct Heading<'a> {
    pub round_name: &'a str,
    pub contest_name: &'a str,
    pub committee: &'a str,
}

/// Serials are read from paper and typed: no look-alike characters, and
/// too many to guess (32^10).
pub fn new_serial() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let body: String = (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("HT-{body}")
}

/// Whether `s` has the form of a serial (checked before any lookup).
pub fn is_serial(s: &str) -> bool {
    s.len() == 13 && s.starts_with("HT-") && s[3..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

pub const REVOKED_REASON: &str = "Giải thưởng đã được điều chỉnh hoặc thu hồi";

/// Brings the round's certificates in line with `wanted`: issues the
/// missing ones, revokes the standing ones nobody should hold any more.
/// Returns (issued, revoked).
pub async fn sync(db: &Db, round_id: &str, wanted: &[Wanted], heading: &Heading<'_>, now: i64) -> Result<(usize, usize)> {
    let mut tx = db.pool.begin().await?;
    let rows = sqlx::query("SELECT serial, user_id, prize FROM certificates WHERE round_id = $1 AND revoked_at IS NULL")
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut standing = Vec::with_capacity(rows.len());
    for r in &rows {
        standing.push((get::<String>(r, "serial")?, get::<String>(r, "user_id")?, get::<Option<String>>(r, "prize")?));
    }
    let want: HashSet<(&str, Option<&str>)> = wanted.iter().map(|w| (w.user_id.as_str(), w.prize.as_deref())).collect();
    let have: HashSet<(&str, Option<&str>)> = standing.iter().map(|(_, u, p)| (u.as_str(), p.as_deref())).collect();
    let mut revoked = 0;
    for (serial, user, prize) in &standing {
        if !want.contains(&(user.as_str(), prize.as_deref())) {
            sqlx::query("UPDATE certificates SET revoked_at = $1, revoked_reason = $2 WHERE serial = $3")
                .bind(now)
                .bind(REVOKED_REASON)
                .bind(serial)
                .execute(&mut *tx)
                .await?;
            revoked += 1;
        }
    }
    let mut issued = 0;
    for w in wanted.iter().filter(|w| !have.contains(&(w.user_id.as_str(), w.prize.as_deref()))) {
        sqlx::query(
            "INSERT INTO certificates (serial, round_id, user_id, prize, full_name, unit_name, round_name, contest_name, committee, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new_serial())
        .bind(round_id)
        .bind(&w.user_id)
        .bind(w.prize.as_deref())
        .bind(&w.full_name)
        .bind(w.unit_name.as_deref())
        .bind(heading.round_name)
        .bind(heading.contest_name)
        .bind(heading.committee)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        issued += 1;
    }
    tx.commit().await?;
    Ok((issued, revoked))
}

const SELECT: &str = "SELECT serial, round_id, user_id, prize, full_name, unit_name, round_name, contest_name, committee, \
     issued_at, revoked_at, revoked_reason FROM certificates";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Certificate> {
    Ok(Certificate {
        serial: get(r, "serial")?,
        round_id: get(r, "round_id")?,
        user_id: get(r, "user_id")?,
        prize: get(r, "prize")?,
        full_name: get(r, "full_name")?,
        unit_name: get(r, "unit_name")?,
        round_name: get(r, "round_name")?,
        contest_name: get(r, "contest_name")?,
        committee: get(r, "committee")?,
        issued_at: get(r, "issued_at")?,
        revoked_at: get(r, "revoked_at")?,
        revoked_reason: get(r, "revoked_reason")?,
    })
}

pub async fn by_serial(db: &Db, serial: &str) -> Result<Certificate> {
    let r = sqlx::query(&format!("{SELECT} WHERE serial = $1"))
        .bind(serial)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

/// A round's certificates, prizes first then by name; revoked ones too.
pub async fn of_round(db: &Db, round_id: &str) -> Result<Vec<Certificate>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE round_id = $1 ORDER BY issued_at, serial"))
        .bind(round_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out: Vec<Certificate> = rows.iter().map(from_row).collect::<Result<_>>()?;
    out.sort_by(|a, b| (a.prize.is_none(), &a.full_name).cmp(&(b.prize.is_none(), &b.full_name)));
    Ok(out)
}

/// A person's standing certificates, newest first.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<Certificate>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE user_id = $1 AND revoked_at IS NULL ORDER BY issued_at DESC"))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Whether the round has ever had certificates (then its results changes
/// re-sync them).
pub async fn issued_for(db: &Db, round_id: &str) -> Result<bool> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM certificates WHERE round_id = $1")
        .bind(round_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(get::<i64>(&r, "n")? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_have_their_form() {
        let s = new_serial();
        assert!(is_serial(&s), "{s}");
        assert_ne!(s, new_serial());
        assert!(!is_serial("HT-abc"));
        assert!(!is_serial("HT-ABCDEFGHJ1'"));
        assert!(!is_serial("XX-ABCDEFGHJK"));
    }
}
