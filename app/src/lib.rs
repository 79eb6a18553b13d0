#![recursion_limit = "256"]
//! Hội thi's web UI: Leptos pages rendered on the server and hydrated in the
//! browser, the server functions behind them and the types they share.

#[cfg(feature = "ssr")]
pub mod access;
pub mod accommodations;
pub mod accounts;
pub mod api;
pub mod audit;
pub mod bundle;
pub mod charts;
pub mod contests;
pub mod certificates;
pub mod error;
pub mod fairplay;
pub mod grants;
pub mod live_api;
pub mod live_client;
pub mod participation;
pub mod pages;
pub mod round_api;
pub mod types;

#[cfg(feature = "ssr")]
pub mod round_cache;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod ssr_reports;
#[cfg(feature = "ssr")]
pub mod ssr_views;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

/// Every page but the qualifying round's (home, log-in, the round and the
/// attempt) is a lazy route: built with `cargo
/// leptos build --split` its code is a separate WebAssembly chunk fetched
/// when it is opened, so the thousands of cadres who take a round on their
/// phones download only what that takes. The live final's screens and the
/// organizers' and admins' pages load their own chunks.
macro_rules! lazy_page {
    ($route:ident, $module:ident, $page:ident) => {
        pub struct $route;
        #[cfg(not(feature = "contestant"))]
        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(_this: Self) -> AnyView {
                lazy_page!(@view $route, $module, $page)
            }
        }
        // The attempt page's bundle never routes here: a split route would
        // export its view and so keep it in that bundle.
        #[cfg(feature = "contestant")]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            async fn view(_this: Self) -> AnyView {
                lazy_page!(@view $route, $module, $page)
            }
        }
    };
    // The view, the same in both.
    (@view $route:ident, $module:ident, $page:ident) => {{
        use crate::pages::$module::$page;
        // Effects run only in the browser, once this route's chunk is
        // loaded and hydrated: browser tests wait for this mark before
        // typing into the page.
        Effect::new(move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-lazy", stringify!($route));
            }
        });
        view! { <$page/> }.into_any()
    }};
}

lazy_page!(BankRoute, bank, BankPage);
lazy_page!(AuditRoute, audit, AuditPage);
lazy_page!(ChangePasswordRoute, password, ChangePasswordPage);
lazy_page!(QuestionListRoute, bank, QuestionListPage);
lazy_page!(QuestionRoute, bank, QuestionPage);
lazy_page!(ImportPreviewRoute, bank, ImportPreviewPage);
lazy_page!(UnitsRoute, units, UnitsPage);
lazy_page!(UnitPreviewRoute, units, UnitPreviewPage);
lazy_page!(UsersRoute, users, UsersPage);
lazy_page!(JudgingRoute, grants, JudgingPage);
lazy_page!(ContestsRoute, organize, ContestsPage);
lazy_page!(ContestRoute, organize, ContestPage);
lazy_page!(OverallRankingRoute, organize, OverallRankingPage);
lazy_page!(RoundAdminRoute, organize, RoundAdminPage);
lazy_page!(CadresRoute, cadres, CadresPage);
lazy_page!(CadrePreviewRoute, cadres, CadrePreviewPage);
lazy_page!(FinalsRoute, finals, FinalsPage);
lazy_page!(NewFinalRoute, finals, NewFinalPage);
lazy_page!(FinalRoute, finals, FinalPage);
lazy_page!(RankingRoute, rounds, RankingPage);
lazy_page!(LiveEnterRoute, live, EnterPage);
lazy_page!(LiveScreenRoute, live, ScreenPage);
lazy_page!(ProjectorRoute, live, ProjectorPage);
// Opened once per cadre (registration, a result, a certificate check), not
// on the way into an attempt: out of the bundle every phone loads first.
lazy_page!(RegisterRoute, account, RegisterPage);
lazy_page!(ResultRoute, rounds, ResultPage);
lazy_page!(VerifyRoute, certificates, VerifyPage);

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::page_policy();
    #[cfg(feature = "ssr")]
    let bundle = ssr::request_path().map_or(bundle::Bundle::App, |p| bundle::bundle_for(&p));
    #[cfg(not(feature = "ssr"))]
    let bundle = bundle::Bundle::App;
    // The attempt page's app has no `leptos_meta` (one crate less in its
    // bundle): its title and style are written here, outside what hydrates.
    let (head, body) = match bundle {
        bundle::Bundle::Attempt => {
            let mut options = options;
            options.output_name = bundle::ATTEMPT_BUNDLE.into();
            (
                view! {
                    <link rel="stylesheet" id="leptos" href="/pkg/hoithi.css"/>
                    <title>"Hội thi"</title>
                    <HydrationScripts options/>
                }
                .into_any(),
                view! { <pages::attempt::AttemptApp/> }.into_any(),
            )
        }
        bundle::Bundle::None => (view! { <MetaTags/> }.into_any(), view! { <App/> }.into_any()),
        bundle::Bundle::App => (
            view! {
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            }
            .into_any(),
            view! { <App/> }.into_any(),
        ),
    };
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#b3261e"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="icon" href="/favicon.ico" sizes="48x48"/>
                <link rel="apple-touch-icon" href="/icon-192.png"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                {head}
            </head>
            <body>{body}</body>
        </html>
    }
}

/// The session's user and the actions that change it, shared by every page.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<types::UserView>, error::AppError>>,
    pub logout: ServerAction<api::Logout>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    pages::layout::mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/hoithi.css"/>
        <Title text="Hội thi"/>
        <Router>
            <Frame/>
        </Router>
    }
}

/// Everything inside the router. Log-in and registration redirect, so the
/// user is fetched again on every navigation and after log-out.
#[component]
fn Frame() -> impl IntoView {
    let logout = ServerAction::<api::Logout>::new();
    let location = leptos_router::hooks::use_location();
    let user = Resource::new(
        move || (location.pathname.get(), logout.version().get()),
        |_| api::whoami(),
    );
    provide_context(Auth { user, logout });
    view! {
        <pages::layout::Header/>
        <main class="container">
            <Routes fallback=|| view! { <pages::NotFound/> }>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/dang-nhap") view=pages::account::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/dang-ky") view={Lazy::<RegisterRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/doi-mat-khau") view={Lazy::<ChangePasswordRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/ngan-hang") view={Lazy::<BankRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/cau-hoi") view={Lazy::<QuestionListRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/cau-hoi/:id") view={Lazy::<QuestionRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/nhap/:id") view={Lazy::<ImportPreviewRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/don-vi") view={Lazy::<UnitsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/don-vi/nhap/:id") view={Lazy::<UnitPreviewRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/nguoi-dung") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/giam-khao") view={Lazy::<JudgingRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/nhat-ky") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/vong/:id") view=pages::rounds::RoundPage ssr=SsrMode::Async/>
                <Route path=path!("/chung-nhan/:serial") view={Lazy::<VerifyRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/bai-thi/:id") view=pages::attempt::AttemptPage ssr=SsrMode::Async/>
                <Route path=path!("/bai-thi/:id/ket-qua") view={Lazy::<ResultRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/xep-hang/:id") view={Lazy::<RankingRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc") view={Lazy::<ContestsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/cuoc-thi/:id") view={Lazy::<ContestRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/cuoc-thi/:id/xep-hang") view={Lazy::<OverallRankingRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/vong/:id") view={Lazy::<RoundAdminRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/thi-sinh") view={Lazy::<CadresRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket") view={Lazy::<FinalsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket/moi") view={Lazy::<NewFinalRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket/:id") view={Lazy::<FinalRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep") view={Lazy::<LiveEnterRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep/:code") view={Lazy::<LiveScreenRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep/:code/man-chieu") view={Lazy::<ProjectorRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/thi-sinh/nhap/:id") view={Lazy::<CadrePreviewRoute>::new()} ssr=SsrMode::Async/>
            </Routes>
        </main>
        <pages::layout::Footer/>
    }
}

/// Slack at the end of the read-only and the mutable data segments.
/// `cargo leptos build --split` (wasm-split) lays each data segment out
/// again, a module's symbols together with alignment padding, and keeps
/// the whole segment in the main module when that comes out longer than
/// the linker's segment: 126 bytes over put all read-only data, 127 KB of
/// it the lazy pages' own, in the module every page loads. No code
/// reaches these, so no module includes them, and the segments keep room
/// for the padding.
#[cfg(all(feature = "hydrate", not(feature = "contestant")))]
#[used]
static RODATA_SLACK: [u8; 4096] = [0x5a; 4096];
#[cfg(all(feature = "hydrate", not(feature = "contestant")))]
#[used]
static DATA_SLACK: [std::sync::atomic::AtomicU8; 1024] =
    [const { std::sync::atomic::AtomicU8::new(0x5a) }; 1024];

/// The main app's entry (`pkg/hoithi.*`).
#[cfg(all(feature = "hydrate", not(feature = "contestant")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Waits for the chunk of a lazy (organizer) route before hydrating it.
    leptos::mount::hydrate_lazy(App);
}

/// The attempt page's entry (`pkg/attempt.*`, built with the `contestant`
/// feature by `.ci/bundle`): `App` is out of reach, so out of the module.
#[cfg(feature = "contestant")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(pages::attempt::AttemptApp);
}
