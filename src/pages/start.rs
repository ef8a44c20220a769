//! The start page: what ajar does and does not do, the risks, which list, one button.

use crate::i18n::{Lang, K};
use crate::net::fetch_ok;
use crate::session::ListChoice;
use ajar_core::bundled::Bundled;
use ajar_core::category::CODES;
use ajar_core::json::Json;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_start: Callback<(ListChoice, Option<String>)>,
    pub initial_list: Option<String>,
    /// Reached by a campaign link: run the campaign's list.
    pub campaign: Option<String>,
}

const CUSTOM: &str = "__custom__";

#[function_component(Start)]
pub fn start(props: &Props) -> Html {
    let lang = props.lang;
    let lists = use_state(Vec::<Bundled>::new);
    let choice = use_state(|| props.initial_list.clone().unwrap_or_else(|| "global".into()));
    let consent = use_state(|| false);
    // Once the visitor picks a list, the suggestion from their country must not replace it.
    let touched = use_mut_ref(|| false);
    let campaign_name = use_state(|| Option::<(String, String)>::None);
    let list_ref = use_node_ref();
    let category = use_state(String::new);
    let custom_ref = use_node_ref();

    {
        let (lists, choice) = (lists.clone(), choice.clone());
        let had_initial = props.initial_list.is_some();
        let (campaign, campaign_name, touched) = (props.campaign.clone(), campaign_name.clone(), touched.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(id) = campaign {
                    if let Ok(text) = fetch_ok(&format!("v1/campaigns/{id}"), None).await {
                        // A descriptor that does not parse shows no name; loading the campaign reports the error.
                        let v = Json::parse(&text).unwrap_or(Json::Null);
                        // A campaign without a name or description shows none.
                        let field = |k: &str| v.get(k).as_str().unwrap_or_default().to_string();
                        campaign_name.set(Some((field("name"), field("description"))));
                    }
                }
                if let Ok(text) = fetch_ok("lists/index.json", None).await {
                    // No index: the bundled lists are not offered, the global list and a custom one still are.
                    lists.set(Json::parse(&text).map(|v| Bundled::index_from_json(&v)).unwrap_or_default());
                }
                // Suggest the visitor's country list, from the collector's view of the connection.
                if !had_initial {
                    if let Ok(text) = fetch_ok("v1/whoami", None).await {
                        // No country in the answer (or no JSON): no list is suggested.
                        if let Some(cc) = Json::parse(&text).ok().as_ref().and_then(|v| v.get("country").as_str()) {
                            let cc = cc.to_ascii_lowercase();
                            if fetch_ok(&format!("lists/{cc}.csv"), None).await.is_ok() && !*touched.borrow() {
                                choice.set(cc);
                            }
                        }
                    }
                }
            });
        });
    }

    let on_choice = {
        let (choice, touched) = (choice.clone(), touched.clone());
        Callback::from(move |e: Event| {
            *touched.borrow_mut() = true;
            if let Some(sel) = e.target_dyn_into::<HtmlSelectElement>() {
                choice.set(sel.value());
            }
        })
    };
    let on_category = {
        let category = category.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<HtmlSelectElement>() {
                category.set(sel.value());
            }
        })
    };
    // A list file chosen by the visitor is read into the text box, where it can be checked.
    let on_file = {
        let custom_ref = custom_ref.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let custom_ref = custom_ref.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    if let Some(area) = custom_ref.cast::<HtmlTextAreaElement>() {
                        // A file that is not text fills nothing in.
                        area.set_value(&text.as_string().unwrap_or_default());
                    }
                }
            });
        })
    };
    let on_consent = {
        let consent = consent.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                consent.set(i.checked());
            }
        })
    };
    let on_submit = {
        let (on_start, choice, category, custom_ref, campaign) =
            (props.on_start.clone(), choice.clone(), category.clone(), custom_ref.clone(), props.campaign.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let category = Some((*category).clone()).filter(|v| !v.is_empty());
            let picked = if let Some(id) = &campaign {
                ListChoice::Campaign(id.clone())
            } else if *choice == CUSTOM {
                // No text area rendered: an empty list, refused as empty.
                ListChoice::Custom(custom_ref.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default())
            } else {
                ListChoice::Named((*choice).clone())
            };
            on_start.emit((picked, category));
        })
    };

    let option =
        |id: &str, label: String| html! { <option value={id.to_string()} selected={*choice == id}>{ label }</option> };
    html! {
        <form class="start" onsubmit={on_submit}>
            <section aria-labelledby="what">
                <p id="what">{ lang.t(K::WhatItDoes) }</p>
                <p>{ lang.t(K::WhatItDoesNot) }</p>
            </section>
            <section class="risk" aria-labelledby="risk-title">
                <h2 id="risk-title">{ lang.t(K::RiskTitle) }</h2>
                <p>{ lang.t(K::RiskText) }</p>
            </section>
            if let Some((name, description)) = &*campaign_name {
                <section class="campaign">
                    <h2>{ lang.t(K::CampaignTitle) }{ ": " }{ name }</h2>
                    <p>{ description }</p>
                </section>
            }
            <div class="field" hidden={props.campaign.is_some()}>
                <label for="list">{ lang.t(K::ListLabel) }</label>
                <select id="list" ref={list_ref} onchange={on_choice}>
                    { option("global", lang.t(K::ListGlobal).to_string()) }
                    { for lists.iter().filter(|l| l.id != "global").map(|l| option(&l.id, format!("{} ({})", l.name, l.count))) }
                    if choice.contains("://") { { option(&choice, (*choice).clone()) } }
                    { option(CUSTOM, lang.t(K::ListCustom).to_string()) }
                </select>
            </div>
            if *choice == CUSTOM {
                <div class="field">
                    <label for="custom">{ lang.t(K::ListCustom) }</label>
                    <textarea id="custom" ref={custom_ref} rows="6" placeholder={lang.t(K::CustomPlaceholder)}></textarea>
                    <label for="custom-file">{ lang.t(K::UploadList) }</label>
                    <input type="file" id="custom-file" accept=".csv,.json,text/csv,application/json,text/plain" onchange={on_file} />
                </div>
            }
            <div class="field">
                <label for="category">{ lang.t(K::CategoryLabel) }</label>
                <select id="category" onchange={on_category}>
                    <option value="" selected={category.is_empty()}>{ lang.t(K::CategoryAll) }</option>
                    { for CODES.iter().map(|c| html! { <option value={*c} selected={*category == *c}>{ *c }</option> }) }
                </select>
            </div>
            <div class="consent">
                <input type="checkbox" id="consent" checked={*consent} onchange={on_consent} />
                <label for="consent">{ lang.t(K::Consent) }</label>
            </div>
            <button type="submit" class="primary" id="start" disabled={!*consent}>{ lang.t(K::Start) }</button>
        </form>
    }
}
