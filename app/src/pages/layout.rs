use crate::Auth;
use hoithi_core::model::Role;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"Hội thi"</A>
            <nav>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(u)) => {
                                let admin = u.role == Role::Admin;
                                let bank = matches!(u.role, Role::Admin | Role::Organizer);
                                view! {
                                    {bank.then(|| view! { <A href="/ban-to-chuc">"Cuộc thi"</A> })}
                                    {bank.then(|| view! { <A href="/ban-to-chuc/chung-ket">"Chung kết"</A> })}
                                    {bank.then(|| view! { <A href="/quan-tri/ngan-hang">"Ngân hàng câu hỏi"</A> })}
                                    {admin.then(|| view! { <A href="/quan-tri/don-vi">"Đơn vị"</A> })}
                                    {bank.then(|| view! { <A href="/quan-tri/nguoi-dung">"Người dùng"</A> })}
                                    {(u.role == Role::Judge).then(|| view! { <A href="/giam-khao">"Chấm thi"</A> })}
                                    {bank.then(|| view! { <A href="/quan-tri/nhat-ky">"Nhật ký"</A> })}
                                    {u.must_change_password.then(|| view! { <MustChange/> })}
                                    <A href="/doi-mat-khau" attr:class="who" attr:title=u.role.label()>{u.full_name.clone()}</A>
                                    <ActionForm action=auth.logout attr:class="inline">
                                        <button type="submit" class="link">"Đăng xuất"</button>
                                    </ActionForm>
                                }
                                .into_any()
                            }
                            _ => view! {
                                <A href="/truc-tiep">"Chung kết trực tiếp"</A>
                                <A href="/dang-nhap">"Đăng nhập"</A>
                                <A href="/dang-ky">"Đăng ký"</A>
                            }
                            .into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

/// Sends a user whose password somebody else set to the change-password
/// page, wherever they go (the server refuses them everything else anyway):
/// a redirect when rendered on the server, a navigation in the browser.
/// (The header is outside the routes, where `<Redirect>` cannot be used.)
#[component]
fn MustChange() -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    if path != "/doi-mat-khau" {
        let to = crate::accounts::password::change_page(&path);
        #[cfg(feature = "ssr")]
        crate::ssr::redirect(&to);
        #[cfg(not(feature = "ssr"))]
        {
            let navigate = leptos_router::hooks::use_navigate();
            Effect::new(move |_| navigate(&to, Default::default()));
        }
    }
}

/// The footer under every page, in both apps.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="footer">
            <A href="/">"Hội thi"</A>
            " · Cuộc thi tìm hiểu Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy Hà Nội"
        </footer>
    }
}

/// Marks the page as hydrated: the effect runs only once the WebAssembly
/// is live, so browser tests can tell a working bundle from server HTML.
pub fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "1");
        }
    });
}
