use crate::api::{Login, Register};
use crate::pages::{action_error, UnitSelect};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    // Created under <Routes>: a form posted without JavaScript comes back with
    // its error in the URL, which the router hands to actions made here.
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    view! {
        <h1>"Đăng nhập"</h1>
        <ActionForm action=login attr:class="form narrow">
            <input type="hidden" name="next" value=next/>
            <label>
                "Số điện thoại hoặc e-mail"
                <input type="text" name="login" autocomplete="username" required/>
            </label>
            <label>
                "Mật khẩu"
                <input type="password" name="password" autocomplete="current-password" required/>
            </label>
            {action_error(login.value())}
            <button type="submit">"Đăng nhập"</button>
        </ActionForm>
        <p>"Chưa có tài khoản? " <A href="/dang-ky">"Đăng ký"</A></p>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    view! {
        <h1>"Đăng ký dự thi"</h1>
        <ActionForm action=register attr:class="form narrow">
            <label>"Họ và tên" <input type="text" name="full_name" autocomplete="name" required/></label>
            <label>
                "Số điện thoại hoặc e-mail"
                <input type="text" name="login" autocomplete="username" required/>
            </label>
            <label>
                "Đơn vị"
                <UnitSelect blank="— Chọn đơn vị —"/>
            </label>
            <label>"Chức vụ" <input type="text" name="position"/></label>
            <label>
                "Mật khẩu (ít nhất 8 ký tự)"
                <input type="password" name="password" autocomplete="new-password" minlength="8" required/>
            </label>
            <label>
                "Nhập lại mật khẩu"
                <input type="password" name="password2" autocomplete="new-password" minlength="8" required/>
            </label>
            {action_error(register.value())}
            <button type="submit">"Đăng ký"</button>
        </ActionForm>
        <p>"Đã có tài khoản? " <A href="/dang-nhap">"Đăng nhập"</A></p>
    }
}
