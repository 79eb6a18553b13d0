use crate::api::list_contests;
use crate::pages::{error_view, loading};
use crate::Auth;
use hoithi_core::model::Role;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let contests = Resource::new(|| (), |_| list_contests());
    view! {
        <section class="hero">
            <h1>"Hội thi tìm hiểu Chỉ thị số 24-CT/TU"</h1>
            <p>
                "Tăng cường kỷ cương, kỷ luật và trách nhiệm giải quyết công việc trong hệ thống chính trị thành phố Hà Nội."
            </p>
        </section>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let user = auth.user.await.ok().flatten();
                let intro = match &user {
                    None => view! {
                        <div class="card">
                            <p>"Đăng nhập hoặc đăng ký tài khoản để tham gia cuộc thi."</p>
                            <p class="actions">
                                <A href="/dang-nhap" attr:class="button">"Đăng nhập"</A>
                                <A href="/dang-ky" attr:class="button secondary">"Đăng ký"</A>
                            </p>
                        </div>
                    }
                    .into_any(),
                    Some(u) => {
                        let admin = u.role == Role::Admin;
                        let bank = matches!(u.role, Role::Admin | Role::Organizer);
                        view! {
                            <div class="card">
                                <p>"Xin chào " <strong>{u.full_name.clone()}</strong> " (" {u.role.label()} ")"</p>
                                <ul class="links">
                                    {bank.then(|| view! { <li><A href="/ban-to-chuc">"Quản lý cuộc thi và vòng thi"</A></li> })}
                                    {bank.then(|| view! { <li><A href="/quan-tri/ngan-hang">"Ngân hàng câu hỏi"</A></li> })}
                                    {bank.then(|| view! { <li><A href="/quan-tri/cau-hoi">"Danh sách câu hỏi"</A></li> })}
                                    {admin.then(|| view! { <li><A href="/quan-tri/don-vi">"Cây đơn vị"</A></li> })}
                                    {admin.then(|| view! { <li><A href="/quan-tri/nguoi-dung">"Người dùng và vai trò"</A></li> })}
                                </ul>
                            </div>
                            <crate::pages::rounds::MyRoundsList/>
                        }
                        .into_any()
                    }
                };
                let list = match contests.await {
                    Ok(list) => view! {
                        <h2>"Cuộc thi"</h2>
                        {list
                            .into_iter()
                            .map(|c| view! {
                                <article class="card contest">
                                    <h3>{c.name}</h3>
                                    <p>{c.description}</p>
                                </article>
                            })
                            .collect_view()}
                    }
                    .into_any(),
                    Err(e) => error_view(&e),
                };
                view! { {intro} {list} }
            })}
        </Suspense>
    }
}
