//! How each verdict is reached, and the limits of what a browser can see.

use crate::i18n::{Lang, K};
use ajar_core::verdict::Verdict;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

#[function_component(Methodology)]
pub fn methodology(props: &Props) -> Html {
    let lang = props.lang;
    html! {
        <section class="methodology" aria-labelledby="method-title">
            <h2 id="method-title">{ lang.t(K::MethodTitle) }</h2>
            <p>{ lang.t(K::MethodIntro) }</p>
            <dl>
                { for Verdict::ALL.iter().map(|v| html! {
                    <>
                        <dt class={classes!("verdict", v.as_str())}>{ lang.verdict(*v) }</dt>
                        <dd>{ lang.t(K::Explain(*v)) }</dd>
                    </>
                }) }
            </dl>
            <p>{ lang.t(K::MethodLimits) }</p>
        </section>
    }
}
