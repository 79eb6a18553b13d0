#![recursion_limit = "256"]
//! Hội thi's web UI: Leptos pages rendered on the server and hydrated in the
//! browser, the server functions behind them and the types they share.

pub mod api;
pub mod charts;
pub mod error;
pub mod live_api;
pub mod live_client;
pub mod pages;
pub mod round_api;
pub mod types;

#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod ssr_reports;
#[cfg(feature = "ssr")]
pub mod ssr_views;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
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

    // Marks the page as hydrated: only runs once the WebAssembly is live, so
    // browser tests can tell a working bundle from server HTML alone.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "1");
        }
    });

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
                <Route path=path!("/dang-ky") view=pages::account::RegisterPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/ngan-hang") view=pages::bank::BankPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/cau-hoi") view=pages::bank::QuestionListPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/cau-hoi/:id") view=pages::bank::QuestionPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/nhap/:id") view=pages::bank::ImportPreviewPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/don-vi") view=pages::units::UnitsPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/don-vi/nhap/:id") view=pages::units::UnitPreviewPage ssr=SsrMode::Async/>
                <Route path=path!("/quan-tri/nguoi-dung") view=pages::users::UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/vong/:id") view=pages::rounds::RoundPage ssr=SsrMode::Async/>
                <Route path=path!("/bai-thi/:id") view=pages::rounds::AttemptPage ssr=SsrMode::Async/>
                <Route path=path!("/bai-thi/:id/ket-qua") view=pages::rounds::ResultPage ssr=SsrMode::Async/>
                <Route path=path!("/xep-hang/:id") view=pages::rounds::RankingPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc") view=pages::organize::ContestsPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/cuoc-thi/:id") view=pages::organize::ContestPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/cuoc-thi/:id/xep-hang") view=pages::organize::OverallRankingPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/vong/:id") view=pages::organize::RoundAdminPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/thi-sinh") view=pages::organize::CadresPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket") view=pages::finals::FinalsPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket/moi") view=pages::finals::NewFinalPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/chung-ket/:id") view=pages::finals::FinalPage ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep") view=pages::live::EnterPage ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep/:code") view=pages::live::ScreenPage ssr=SsrMode::Async/>
                <Route path=path!("/truc-tiep/:code/man-chieu") view=pages::live::ProjectorPage ssr=SsrMode::Async/>
                <Route path=path!("/ban-to-chuc/thi-sinh/nhap/:id") view=pages::organize::CadrePreviewPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <footer class="footer">
            <A href="/">"Hội thi"</A>
            " · Cuộc thi tìm hiểu Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy Hà Nội"
        </footer>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
