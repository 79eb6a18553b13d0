//! Who may act where: a person's grants read against the unit tree. A
//! contest belongs to a unit (or to the whole city); organizers hold grants
//! on the city, on a unit (and so every unit under it) or on one contest;
//! judges on one final. Pure: the store loads grants and the tree, the web
//! layer asks these questions before it touches anything.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a grant is on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    /// The whole city: every contest, unit and final.
    All,
    /// A unit and every unit under it.
    Unit(String),
    Contest(String),
    /// A live final (judges).
    Final(String),
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::All => "all",
            Target::Unit(_) => "unit",
            Target::Contest(_) => "contest",
            Target::Final(_) => "final",
        }
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Target::All => None,
            Target::Unit(id) | Target::Contest(id) | Target::Final(id) => Some(id),
        }
    }

    pub fn parse(kind: &str, id: Option<&str>) -> Option<Target> {
        let id = id.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        match (kind.trim(), id) {
            ("all", _) => Some(Target::All),
            ("unit", Some(id)) => Some(Target::Unit(id)),
            ("contest", Some(id)) => Some(Target::Contest(id)),
            ("final", Some(id)) => Some(Target::Final(id)),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantRole {
    Organizer,
    Judge,
}

impl GrantRole {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantRole::Organizer => "organizer",
            GrantRole::Judge => "judge",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GrantRole::Organizer => "Ban tổ chức",
            GrantRole::Judge => "Giám khảo",
        }
    }

    pub fn parse(s: &str) -> Option<GrantRole> {
        match s.trim() {
            "organizer" => Some(GrantRole::Organizer),
            "judge" => Some(GrantRole::Judge),
            _ => None,
        }
    }

    /// Organizers hold the city, a unit or a contest; judges a final.
    pub fn fits(self, target: &Target) -> bool {
        match self {
            GrantRole::Organizer => !matches!(target, Target::Final(_)),
            GrantRole::Judge => matches!(target, Target::Final(_)),
        }
    }
}

/// One active grant as the scope needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeGrant {
    pub role: GrantRole,
    pub target: Target,
    /// For a contest grant: the unit that owns the contest (None: the city).
    pub contest_owner: Option<String>,
    pub judge_no: Option<u32>,
}

/// The unit tree as parent links.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    parent: HashMap<String, Option<String>>,
}

/// Deeper than any real tree: a cycle in bad data ends here.
const MAX_DEPTH: usize = 64;

impl Tree {
    pub fn new(links: impl IntoIterator<Item = (String, Option<String>)>) -> Tree {
        Tree {
            parent: links.into_iter().collect(),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.parent.contains_key(id)
    }

    /// Whether `unit` is `root` or lies under it.
    pub fn within(&self, unit: &str, root: &str) -> bool {
        let mut cur = Some(unit);
        for _ in 0..MAX_DEPTH {
            match cur {
                Some(u) if u == root => return true,
                Some(u) => cur = self.parent.get(u).and_then(|p| p.as_deref()),
                None => return false,
            }
        }
        false
    }
}

/// Whose records a caller may see or manage in some place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    Everyone,
    /// The people of these units and the units under them (empty: nobody).
    Within(Vec<String>),
}

impl Reach {
    pub fn nobody() -> Reach {
        Reach::Within(Vec::new())
    }

    pub fn is_nobody(&self) -> bool {
        matches!(self, Reach::Within(r) if r.is_empty())
    }

    /// Whether a person of `unit` is inside; a person without a unit only
    /// for a city-wide reach.
    pub fn allows(&self, tree: &Tree, unit: Option<&str>) -> bool {
        match self {
            Reach::Everyone => true,
            Reach::Within(roots) => {
                unit.is_some_and(|u| roots.iter().any(|r| tree.within(u, r)))
            }
        }
    }
}

/// A caller's powers, built once per request from their active grants.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub admin: bool,
    city: bool,
    units: Vec<String>,
    contests: Vec<(String, Option<String>)>,
    judging: Vec<(String, Option<u32>)>,
}

impl Scope {
    pub fn new(admin: bool, grants: impl IntoIterator<Item = ScopeGrant>) -> Scope {
        let mut s = Scope {
            admin,
            ..Scope::default()
        };
        for g in grants {
            match (g.role, g.target) {
                (GrantRole::Organizer, Target::All) => s.city = true,
                (GrantRole::Organizer, Target::Unit(u)) => s.units.push(u),
                (GrantRole::Organizer, Target::Contest(c)) => s.contests.push((c, g.contest_owner)),
                (GrantRole::Judge, Target::Final(f)) => s.judging.push((f, g.judge_no)),
                // A grant of the wrong shape gives nothing.
                _ => {}
            }
        }
        s
    }

    /// An admin, or an organizer of the whole city.
    pub fn city_wide(&self) -> bool {
        self.admin || self.city
    }

    /// Holds any organizer grant: may read the shared bank and the unit tree.
    pub fn is_staff(&self) -> bool {
        self.city_wide() || !self.units.is_empty() || !self.contests.is_empty()
    }

    /// Runs a contest: its rounds, finals, finalists and accommodations.
    pub fn manages(&self, tree: &Tree, contest_id: &str, owner: Option<&str>) -> bool {
        self.city_wide()
            || self.contests.iter().any(|(c, _)| c == contest_id)
            || owner.is_some_and(|o| self.units.iter().any(|u| tree.within(o, u)))
    }

    /// Runs a final: that of a contest it manages; a final of no contest is
    /// the city's.
    pub fn manages_final(&self, tree: &Tree, contest: Option<(&str, Option<&str>)>) -> bool {
        match contest {
            Some((id, owner)) => self.manages(tree, id, owner),
            None => self.city_wide(),
        }
    }

    /// The people of a contest the caller sees (participation, ranking, who
    /// has not taken part): all it covers for who runs it; for an organizer
    /// of units inside it, their subtrees; nobody otherwise.
    pub fn contest_reach(&self, tree: &Tree, contest_id: &str, owner: Option<&str>) -> Reach {
        if self.manages(tree, contest_id, owner) {
            return match owner {
                None => Reach::Everyone,
                Some(o) => Reach::Within(vec![o.to_string()]),
            };
        }
        Reach::Within(
            self.units
                .iter()
                .filter(|u| owner.is_none_or(|o| tree.within(u, o)))
                .cloned()
                .collect(),
        )
    }

    /// Whose accounts the caller manages (registers, resets, deactivates,
    /// hands grants to): the units they hold. A contest grant runs a
    /// contest, not its cadres' accounts.
    pub fn people(&self) -> Reach {
        if self.city_wide() {
            return Reach::Everyone;
        }
        Reach::Within(self.units.clone())
    }

    /// May start a contest owned by `owner` (None: the city's).
    pub fn may_create(&self, tree: &Tree, owner: Option<&str>) -> bool {
        self.city_wide() || owner.is_some_and(|o| self.units.iter().any(|u| tree.within(o, u)))
    }

    /// May hand a grant on `target` to someone: admins anything; others
    /// only inside what they hold, never the whole city. `contest` is the
    /// contest (and its owner) of a contest or final target.
    pub fn may_grant(&self, tree: &Tree, target: &Target, contest: Option<(&str, Option<&str>)>) -> bool {
        match target {
            _ if self.admin => true,
            Target::All => false,
            Target::Unit(u) => self.city || self.units.iter().any(|mine| tree.within(u, mine)),
            Target::Contest(_) | Target::Final(_) => self.manages_final(tree, contest),
        }
    }

    /// May take back a grant on `target`: admins and the city's organizers
    /// any; others what they gave themselves (still inside their scope), or
    /// what lies strictly below the units they hold, so peers cannot take
    /// each other's powers and a contest's organizer cannot undo who
    /// delegated to them.
    pub fn may_revoke(
        &self,
        tree: &Tree,
        target: &Target,
        contest: Option<(&str, Option<&str>)>,
        gave_it: bool,
    ) -> bool {
        if self.city_wide() {
            return true;
        }
        if gave_it && self.may_grant(tree, target, contest) {
            return true;
        }
        match target {
            Target::All => false,
            Target::Unit(u) => self.units.iter().any(|mine| u != mine && tree.within(u, mine)),
            // Runs it through a unit it holds, not through a grant on it.
            Target::Contest(_) | Target::Final(_) => contest
                .and_then(|(_, owner)| owner)
                .is_some_and(|o| self.units.iter().any(|mine| tree.within(o, mine))),
        }
    }

    /// The judge places this caller holds on a final.
    pub fn judge_places(&self, final_id: &str) -> Vec<Option<u32>> {
        self.judging
            .iter()
            .filter(|(f, _)| f == final_id)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Contests granted one by one (besides units and the city).
    pub fn contest_grants(&self) -> impl Iterator<Item = &str> {
        self.contests.iter().map(|(c, _)| c.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The city, two districts, a commune under Ứng Hòa.
    fn tree() -> Tree {
        Tree::new([
            ("HN".to_string(), None),
            ("UH".to_string(), Some("HN".to_string())),
            ("ML".to_string(), Some("HN".to_string())),
            ("VD".to_string(), Some("UH".to_string())),
        ])
    }

    fn org(target: Target, owner: Option<&str>) -> ScopeGrant {
        ScopeGrant {
            role: GrantRole::Organizer,
            target,
            contest_owner: owner.map(String::from),
            judge_no: None,
        }
    }

    #[test]
    fn within_follows_parents_and_survives_cycles() {
        let t = tree();
        assert!(t.within("VD", "HN"));
        assert!(t.within("VD", "VD"));
        assert!(!t.within("UH", "VD"));
        assert!(!t.within("ML", "UH"));
        let loop_ = Tree::new([
            ("A".to_string(), Some("B".to_string())),
            ("B".to_string(), Some("A".to_string())),
        ]);
        assert!(!loop_.within("A", "C"));
    }

    #[test]
    fn a_district_runs_its_contests_and_its_communes_but_not_the_neighbours() {
        let t = tree();
        let uh = Scope::new(false, [org(Target::Unit("UH".into()), None)]);
        assert!(uh.manages(&t, "c-uh", Some("UH")));
        assert!(uh.manages(&t, "c-vd", Some("VD")));
        assert!(!uh.manages(&t, "c-ml", Some("ML")));
        assert!(!uh.manages(&t, "c-city", None));
        assert!(uh.may_create(&t, Some("VD")));
        assert!(!uh.may_create(&t, Some("ML")));
        assert!(!uh.may_create(&t, None));
        assert_eq!(uh.people(), Reach::Within(vec!["UH".into()]));
        assert!(uh.people().allows(&t, Some("VD")));
        assert!(!uh.people().allows(&t, Some("ML")));
        assert!(!uh.people().allows(&t, None));
        // In the city's contest, Ứng Hòa sees its own people only.
        let reach = uh.contest_reach(&t, "c-city", None);
        assert_eq!(reach, Reach::Within(vec!["UH".into()]));
        // Mê Linh's contest covers none of Ứng Hòa.
        assert!(uh.contest_reach(&t, "c-ml", Some("ML")).is_nobody());
    }

    #[test]
    fn a_commune_sees_its_subtree_in_the_district_contest_and_runs_nothing() {
        let t = tree();
        let vd = Scope::new(false, [org(Target::Unit("VD".into()), None)]);
        assert!(!vd.manages(&t, "c-uh", Some("UH")));
        assert_eq!(vd.contest_reach(&t, "c-uh", Some("UH")), Reach::Within(vec!["VD".into()]));
        assert!(vd.is_staff());
        assert!(vd.may_grant(&t, &Target::Unit("VD".into()), None));
        assert!(!vd.may_grant(&t, &Target::Unit("UH".into()), None));
        assert!(!vd.may_grant(&t, &Target::All, None));
        assert!(!vd.may_grant(&t, &Target::Contest("c-uh".into()), Some(("c-uh", Some("UH")))));
        // A peer on the same commune cannot be removed by another; the
        // district above can.
        assert!(!vd.may_revoke(&t, &Target::Unit("VD".into()), None, false));
        assert!(vd.may_revoke(&t, &Target::Unit("VD".into()), None, true));
        let uh = Scope::new(false, [org(Target::Unit("UH".into()), None)]);
        assert!(uh.may_revoke(&t, &Target::Unit("VD".into()), None, false));
        assert!(!uh.may_revoke(&t, &Target::Unit("UH".into()), None, false));
        assert!(uh.may_revoke(&t, &Target::Contest("c-vd".into()), Some(("c-vd", Some("VD"))), false));
    }

    #[test]
    fn a_contest_grant_runs_that_contest_and_reaches_the_units_it_covers() {
        let t = tree();
        let c = Scope::new(false, [org(Target::Contest("c-uh".into()), Some("UH"))]);
        assert!(c.manages(&t, "c-uh", Some("UH")));
        assert!(!c.manages(&t, "c-vd", Some("VD")));
        assert_eq!(c.contest_reach(&t, "c-uh", Some("UH")), Reach::Within(vec!["UH".into()]));
        assert!(c.people().is_nobody(), "a contest grant manages no accounts");
        assert!(!c.may_create(&t, Some("UH")));
        let city_contest = Scope::new(false, [org(Target::Contest("c-city".into()), None)]);
        assert!(city_contest.people().is_nobody());
        // It hands the contest on, but cannot take back what it was not given to take.
        assert!(c.may_grant(&t, &Target::Contest("c-uh".into()), Some(("c-uh", Some("UH")))));
        assert!(!c.may_revoke(&t, &Target::Contest("c-uh".into()), Some(("c-uh", Some("UH"))), false));
        assert!(c.may_revoke(&t, &Target::Contest("c-uh".into()), Some(("c-uh", Some("UH"))), true));
    }

    #[test]
    fn nothing_without_a_grant_and_everything_for_admins_and_the_city() {
        let t = tree();
        let none = Scope::new(false, []);
        assert!(!none.is_staff());
        assert!(!none.manages(&t, "c", Some("UH")));
        assert!(none.people().is_nobody());
        assert!(none.contest_reach(&t, "c", None).is_nobody());
        for s in [Scope::new(true, []), Scope::new(false, [org(Target::All, None)])] {
            assert!(s.manages(&t, "c", Some("ML")) && s.manages(&t, "c", None));
            assert_eq!(s.people(), Reach::Everyone);
            assert!(s.manages_final(&t, None));
        }
        assert!(!Scope::new(false, [org(Target::All, None)]).may_grant(&t, &Target::All, None));
        assert!(Scope::new(true, []).may_grant(&t, &Target::All, None));
    }

    #[test]
    fn judges_hold_places_on_one_final_and_wrong_shapes_give_nothing() {
        let s = Scope::new(
            false,
            [
                ScopeGrant {
                    role: GrantRole::Judge,
                    target: Target::Final("f1".into()),
                    contest_owner: None,
                    judge_no: Some(2),
                },
                ScopeGrant {
                    role: GrantRole::Judge,
                    target: Target::Unit("UH".into()),
                    contest_owner: None,
                    judge_no: None,
                },
            ],
        );
        assert_eq!(s.judge_places("f1"), vec![Some(2)]);
        assert!(s.judge_places("f2").is_empty());
        assert!(!s.is_staff());
        assert!(GrantRole::Judge.fits(&Target::Final("f".into())));
        assert!(!GrantRole::Organizer.fits(&Target::Final("f".into())));
        assert_eq!(Target::parse("unit", Some(" ")), None);
        assert_eq!(Target::parse("all", None), Some(Target::All));
    }
}
