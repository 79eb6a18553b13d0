//! Which client bundle a full page load gets.
//!
//! Three kinds, by address:
//! - the attempt page (`/bai-thi/:id`) loads `pkg/attempt.*`, a bundle of
//!   that page alone (the `contestant` feature), so the thousands of phones
//!   taking a round download only what answering takes;
//! - the pages a cadre passes on the way in and out (home, log-in,
//!   registration, a round, a result, a published ranking, a certificate
//!   check) load no WebAssembly: they are forms and links that work as
//!   plain posts and page loads, rendered by the server;
//! - every other page (organizers', admins', the live final's screens, the
//!   change of password) loads the main app, `pkg/hoithi.*`.
//!
//! Inside the main app, once it is loaded, every route stays a client-side
//! route: an organizer moving from their pages to the home page does not
//! reload it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// `pkg/hoithi.*`: every route.
    App,
    /// `pkg/attempt.*`: the attempt page alone.
    Attempt,
    /// Server-rendered only.
    None,
}

/// The output name of the attempt page's bundle.
pub const ATTEMPT_BUNDLE: &str = "attempt";

/// The bundle for a page at `path` (no query). Addresses are matched as
/// the router matches them, with no trailing `/` folded away: the attempt
/// app sends any address its one route does not match back to the server,
/// so it must never be served for one.
pub fn bundle_for(path: &str) -> Bundle {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    match segments.as_slice() {
        ["bai-thi", id] if !id.is_empty() => Bundle::Attempt,
        [""] | ["dang-nhap"] | ["dang-ky"] => Bundle::None,
        ["vong", id] | ["xep-hang", id] | ["chung-nhan", id] if !id.is_empty() => Bundle::None,
        ["bai-thi", id, "ket-qua"] if !id.is_empty() => Bundle::None,
        _ => Bundle::App,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_gets_the_bundle_it_needs() {
        assert_eq!(bundle_for("/bai-thi/a1b2"), Bundle::Attempt);
        for path in [
            "/",
            "/dang-nhap",
            "/dang-ky",
            "/vong/r1",
            "/bai-thi/a1/ket-qua",
            "/xep-hang/r1",
            "/chung-nhan/HT-2026-1",
        ] {
            assert_eq!(bundle_for(path), Bundle::None, "{path}");
        }
        for path in [
            "/ban-to-chuc",
            "/ban-to-chuc/vong/r1",
            "/quan-tri/ngan-hang",
            "/doi-mat-khau",
            "/truc-tiep/ABC123",
            "/truc-tiep/ABC123/man-chieu",
            "/giam-khao",
            // Not pages of the attempt's or the way's: the main app (or its
            // not-found page).
            "/bai-thi",
            "/bai-thi/",
            "/bai-thi/a1b2/",
            "/bai-thi//ket-qua",
            "/vong",
            "/vong/r1/x",
            "/bai-thi/a1/ket-qua/x",
            "/khong-co",
        ] {
            assert_eq!(bundle_for(path), Bundle::App, "{path}");
        }
    }
}
