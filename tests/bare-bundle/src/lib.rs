//! A bare Leptos 0.8 hydrate bundle of the same shape as Hội thi's attempt
//! page: router, meta, one resource fed by a server function, one action
//! form posting to another. Only for comparing bundle sizes.
use leptos::prelude::*;
use leptos_meta::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Item { pub position: i64, pub text: String, pub options: Vec<String> }

#[server(prefix = "/api", endpoint = "items")]
pub async fn items(id: String) -> Result<Vec<Item>, ServerFnError> { Ok(vec![]) }

#[server(prefix = "/api", endpoint = "save")]
pub async fn save(id: String, position: i64, choice: Option<String>) -> Result<(), ServerFnError> { Ok(()) }

#[component]
fn Page() -> impl IntoView {
    let data = Resource::new(|| "x".to_string(), items);
    let save = ServerAction::<Save>::new();
    view! {
        <Title text="Bare"/>
        <Suspense fallback=|| "…">
            {move || data.get().map(|r| match r {
                Ok(list) => list.into_iter().map(|it| view! {
                    <ActionForm action=save>
                        <input type="hidden" name="id" value="x"/>
                        <input type="hidden" name="position" value=it.position/>
                        <p>{it.text}</p>
                        {it.options.into_iter().map(|o| view! { <label><input type="radio" name="choice" value=o.clone()/>{o}</label> }).collect_view()}
                        <button type="submit">"Lưu"</button>
                    </ActionForm>
                }).collect_view().into_any(),
                Err(e) => view! { <p>{e.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <main>
                <Routes fallback=|| "Không tìm thấy">
                    <Route path=path!("/bai-thi/:id") view=Page/>
                </Routes>
            </main>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
