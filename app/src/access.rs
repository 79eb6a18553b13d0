//! The caller's scope on the server: which contests they run, whose people
//! they see. Every organizer-facing server function and route starts here
//! (after `ssr::require`), so a district's organizer gets nothing of its
//! neighbour's. Rules live in `hoithi_core::scope`; this reads the grants
//! and the tree and turns a refusal into a 403.

use crate::error::AppError;
use crate::ssr::{self, AppState};
use hoithi_core::model::Role;
use hoithi_core::scope::{Reach, Scope, Tree};
use hoithi_core::store::{finals, grants, rounds, units, users::UserRecord};
use http::StatusCode;

/// A signed-in staff member with their powers.
pub struct Caller {
    pub user: UserRecord,
    pub scope: Scope,
    pub tree: Tree,
}

/// A contest as the caller may see it.
pub struct ContestAccess {
    pub caller: Caller,
    pub contest_id: String,
    pub owner: Option<String>,
    /// Runs it (rounds, finals, finalists, accommodations).
    pub manage: bool,
    /// Whose records of it they see.
    pub reach: Reach,
}

impl ContestAccess {
    /// Whether a person of `unit` is someone this caller sees here.
    pub fn sees(&self, unit: Option<&str>) -> bool {
        self.reach.allows(&self.caller.tree, unit)
    }
}

pub fn forbidden() -> AppError {
    ssr::set_status(StatusCode::FORBIDDEN);
    AppError::Forbidden
}

/// Builds `user`'s scope (plain routes call this with the user they checked).
pub async fn caller_for(st: &AppState, user: UserRecord) -> Result<Caller, AppError> {
    let admin = user.role == Role::Admin;
    // A grant counts only while the account is staff: demoting someone to
    // contestant ends what they held without touching the grants' history.
    let held = if admin || user.role == Role::Contestant {
        Vec::new()
    } else {
        grants::active(&st.db, &user.id).await?
    };
    let held = held
        .into_iter()
        .filter(|g| match g.role {
            hoithi_core::scope::GrantRole::Organizer => user.role == Role::Organizer,
            hoithi_core::scope::GrantRole::Judge => true,
        })
        .collect::<Vec<_>>();
    Ok(Caller {
        scope: Scope::new(admin, held),
        tree: grants::tree(&st.db).await?,
        user,
    })
}

/// An admin or an organizer holding some grant; anyone else 401/403.
pub async fn staff() -> Result<Caller, AppError> {
    let user = ssr::require(&[Role::Admin, Role::Organizer]).await?;
    let st = ssr::state()?;
    let caller = caller_for(&st, user).await?;
    if !caller.scope.is_staff() {
        return Err(forbidden());
    }
    Ok(caller)
}

/// What `caller` may do in a contest; refused when they may see nothing.
pub async fn contest_of(st: &AppState, caller: Caller, contest_id: &str) -> Result<ContestAccess, AppError> {
    ssr::cap(contest_id, ssr::caps::ID, "Cuộc thi")?;
    let owner = grants::contest_owner(&st.db, contest_id).await?;
    let manage = caller.scope.manages(&caller.tree, contest_id, owner.as_deref());
    let reach = caller.scope.contest_reach(&caller.tree, contest_id, owner.as_deref());
    if reach.is_nobody() {
        return Err(forbidden());
    }
    Ok(ContestAccess {
        caller,
        contest_id: contest_id.to_string(),
        owner,
        manage,
        reach,
    })
}

/// A contest the caller sees (perhaps only their units' part of it).
pub async fn contest(contest_id: &str) -> Result<ContestAccess, AppError> {
    let st = ssr::state()?;
    contest_of(&st, staff().await?, contest_id).await
}

/// A contest the caller runs.
pub async fn manage_contest(contest_id: &str) -> Result<ContestAccess, AppError> {
    let a = contest(contest_id).await?;
    if !a.manage {
        return Err(forbidden());
    }
    Ok(a)
}

/// A round and its contest as the caller sees it.
pub async fn round_of(st: &AppState, caller: Caller, round_id: &str) -> Result<(ContestAccess, rounds::RoundRecord), AppError> {
    ssr::cap(round_id, ssr::caps::ID, "Vòng thi")?;
    let round = rounds::get_one(&st.db, round_id).await?;
    let access = contest_of(st, caller, &round.contest_id).await?;
    Ok((access, round))
}

pub async fn round(round_id: &str) -> Result<(ContestAccess, rounds::RoundRecord), AppError> {
    let st = ssr::state()?;
    round_of(&st, staff().await?, round_id).await
}

/// A round of a contest the caller runs.
pub async fn manage_round(round_id: &str) -> Result<(ContestAccess, rounds::RoundRecord), AppError> {
    let (a, r) = round(round_id).await?;
    if !a.manage {
        return Err(forbidden());
    }
    Ok((a, r))
}

/// Whether `caller` runs a final (that of a contest they run).
pub async fn runs_final(st: &AppState, caller: &Caller, f: &finals::FinalRecord) -> Result<bool, AppError> {
    let owner = match &f.contest_id {
        Some(c) => Some(grants::contest_owner(&st.db, c).await?),
        None => None,
    };
    Ok(caller.scope.manages_final(
        &caller.tree,
        f.contest_id.as_deref().map(|c| (c, owner.as_ref().and_then(|o| o.as_deref()))),
    ))
}

/// A final the caller runs.
pub async fn manage_final(final_id: &str) -> Result<(Caller, finals::FinalRecord), AppError> {
    ssr::cap(final_id, ssr::caps::ID, "Chung kết")?;
    let st = ssr::state()?;
    let caller = staff().await?;
    let f = finals::get_one(&st.db, final_id).await?;
    if !runs_final(&st, &caller, &f).await? {
        return Err(forbidden());
    }
    Ok((caller, f))
}

/// The contests `caller` runs, of all `(id, owner)` pairs.
pub fn managed<'a>(caller: &Caller, all: &'a [(String, Option<String>)]) -> Vec<&'a str> {
    all.iter()
        .filter(|(id, owner)| caller.scope.manages(&caller.tree, id, owner.as_deref()))
        .map(|(id, _)| id.as_str())
        .collect()
}

/// The unit ids a reach covers (None: everyone), for queries by unit.
pub async fn reach_units(st: &AppState, reach: &Reach) -> Result<Option<Vec<String>>, AppError> {
    match reach {
        Reach::Everyone => Ok(None),
        Reach::Within(roots) => {
            let all = units::list(&st.db).await?;
            let mut ids: Vec<String> = roots.iter().flat_map(|r| units::subtree(&all, r)).collect();
            ids.sort();
            ids.dedup();
            Ok(Some(ids))
        }
    }
}

/// Refuses unless `caller` manages the account of a person of `unit`.
pub fn require_person(caller: &Caller, unit: Option<&str>) -> Result<(), AppError> {
    if caller.scope.people().allows(&caller.tree, unit) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Who may take a contest's rounds: the people of the units it covers; a
/// contest of the city is everyone's.
pub struct Eligibility {
    owners: std::collections::HashMap<String, Option<String>>,
    tree: Tree,
}

impl Eligibility {
    pub async fn load(st: &AppState) -> Result<Eligibility, AppError> {
        let owners: std::collections::HashMap<_, _> =
            grants::contest_owners(&st.db).await?.into_iter().collect();
        // The tree only matters once some contest has an owner.
        let tree = if owners.values().any(Option::is_some) {
            grants::tree(&st.db).await?
        } else {
            Tree::default()
        };
        Ok(Eligibility { owners, tree })
    }

    pub fn allows(&self, contest_id: &str, unit: Option<&str>) -> bool {
        match self.owners.get(contest_id) {
            Some(Some(owner)) => unit.is_some_and(|u| self.tree.within(u, owner)),
            _ => true,
        }
    }
}

/// Refuses a start in a contest that does not cover the person's unit
/// (admins may try any round).
pub async fn require_eligible(st: &AppState, contest_id: &str, user: &UserRecord) -> Result<(), AppError> {
    let Some(owner) = grants::contest_owner(&st.db, contest_id).await? else {
        return Ok(());
    };
    if user.role == Role::Admin {
        return Ok(());
    }
    let tree = grants::tree(&st.db).await?;
    if user.unit_id.as_deref().is_some_and(|u| tree.within(u, &owner)) {
        return Ok(());
    }
    let name = units::list(&st.db)
        .await?
        .into_iter()
        .find(|u| u.id == owner)
        .map(|u| u.name)
        .unwrap_or_default();
    Err(ssr::invalid(format!(
        "Vòng thi này dành cho cán bộ, đảng viên thuộc {name}; tài khoản của bạn không thuộc đơn vị này"
    )))
}
