use crate::api::*;
use crate::pages::{action_error, error_view, loading, UnitSelect};
use hoithi_core::model::Role;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let set_role = ServerAction::<SetUserRole>::new();
    let create = ServerAction::<CreateUser>::new();
    let set_keys = ServerAction::<SetBankKeys>::new();
    let users = Resource::new(
        move || {
            (
                q(),
                set_role.version().get(),
                create.version().get(),
                set_keys.version().get(),
            )
        },
        |(q, _, _, _)| list_users(q),
    );
    // Organizers see the people of their units and hand on their scope;
    // roles, bank keys, new accounts and merges are admins'.
    let auth = use_context::<crate::Auth>();
    let admin = Resource::new(
        || (),
        move |_| async move {
            match auth {
                Some(a) => matches!(a.user.await, Ok(Some(u)) if u.role == Role::Admin),
                None => false,
            }
        },
    );
    let is_admin = move || admin.get().unwrap_or(false);
    view! {
        <h1>"Người dùng và vai trò"</h1>
        <Form method="GET" action="/quan-tri/nguoi-dung" attr:class="filters">
            <input type="search" name="q" placeholder="Tìm theo tên, điện thoại, e-mail" prop:value=q/>
            <button type="submit">"Tìm"</button>
        </Form>
        {action_error(set_role.value())}
        {action_error(set_keys.value())}
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match users.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! { <p class="muted empty">"Không có tài khoản nào phù hợp."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="users">
                                <thead><tr><th>"Họ tên"</th><th>"Tài khoản"</th><th>"Đơn vị"</th><th>"Vai trò"</th><th>"Xem đáp án ngân hàng"</th></tr></thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|u| {
                                            let current = u.role;
                                            let role_id = u.id.clone();
                                            let keys_id = u.id.clone();
                                            view! {
                                                <tr>
                                                    <td>{u.full_name}</td>
                                                    <td>{u.login} {u.deactivated.then(|| view! { <span class="tag warn">"Đã khóa"</span> })}</td>
                                                    <td>{u.unit_name.unwrap_or_default()}</td>
                                                    <td>
                                                        <ActionForm action=set_role attr:class="inline">
                                                            <input type="hidden" name="user_id" value=role_id/>
                                                            <select name="role" aria-label="Vai trò">
                                                                {Role::ALL
                                                                    .iter()
                                                                    .map(|r| view! { <option value=r.as_str() selected=*r == current>{r.label()}</option> })
                                                                    .collect_view()}
                                                            </select>
                                                            <button type="submit" class="small">"Lưu"</button>
                                                        </ActionForm>
                                                    </td>
                                                    <td>
                                                        {(current == Role::Organizer).then(|| {
                                                            let granted = u.bank_keys;
                                                            view! {
                                                                <ActionForm action=set_keys attr:class="inline">
                                                                    <input type="hidden" name="user_id" value=keys_id.clone()/>
                                                                    <input type="hidden" name="allowed" value=(!granted).to_string()/>
                                                                    <span>{if granted { "Được xem" } else { "Không" }}</span>
                                                                    " "
                                                                    <button type="submit" class="small">{if granted { "Thu hồi" } else { "Cho phép" }}</button>
                                                                </ActionForm>
                                                            }
                                                        })}
                                                        {(current == Role::Admin).then_some("Có")}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <crate::accounts::password::ResetPasswordForm/>
        <crate::accounts::manage::ActivationForm/>
        <crate::grants::GrantsPanel/>
        <Show when=is_admin>
        <crate::accounts::manage::MergeForm/>
        <section class="card">
            <h2>"Tạo tài khoản"</h2>
            <ActionForm action=create attr:class="form">
                <label>"Họ và tên" <input type="text" name="full_name" required/></label>
                <label>"Số điện thoại hoặc e-mail" <input type="text" name="login" required/></label>
                <label>"Mật khẩu (ít nhất 8 ký tự)" <input type="password" name="password" minlength="8" required/></label>
                <label>
                    "Vai trò"
                    <select name="role">
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Organizer>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Đơn vị"
                    <UnitSelect blank="— Không —"/>
                </label>
                <label>"Chức vụ" <input type="text" name="position"/></label>
                {action_error(create.value())}
                {move || create.value().get().and_then(|r| r.ok()).map(|_| view! { <div class="alert ok" role="status">"Đã tạo tài khoản"</div> })}
                <button type="submit">"Tạo"</button>
            </ActionForm>
        </section>
        </Show>
    }
}
