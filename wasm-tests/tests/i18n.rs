//! The translation layer, in the browser: plurals, category names, every clue worded.
#![cfg(target_arch = "wasm32")]

use ajar::i18n::{Lang, K};
use ajar_core::verdict::{Clue, Verdict};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn russian_plurals_and_category_names() {
    let got: Vec<String> = [1, 2, 5, 11, 12, 21, 22, 25, 111].iter().map(|n| Lang::Ru.sites(*n)).collect();
    assert_eq!(
        got,
        ["1 сайт", "2 сайта", "5 сайтов", "11 сайтов", "12 сайтов", "21 сайт", "22 сайта", "25 сайтов", "111 сайтов"]
    );
    assert_eq!(Lang::En.sites(1), "1 site");
    assert_eq!(Lang::En.sites(3), "3 sites");
    assert_eq!(Lang::En.category("COMT"), "Messengers & calls");
    assert_eq!(Lang::Ru.category("official/it/aams"), "official/it/aams");
    assert_eq!(ajar::i18n::en::CATEGORIES.len(), ajar_core::category::CODES.len());
    assert_eq!(ajar::i18n::ru::CATEGORIES.len(), ajar_core::category::CODES.len());
}

#[wasm_bindgen_test]
fn every_language_words_verdicts_and_clues_with_their_numbers() {
    for lang in Lang::ALL {
        for v in Verdict::ALL {
            assert!(!lang.verdict(v).is_empty());
            assert!(!lang.t(K::Explain(v)).is_empty());
        }
        let text = lang.clue(&Clue::FailedFast { ms: 7 });
        assert!(text.contains('7') && !text.contains("{n}"), "{text}");
        let text = lang.clue(&Clue::SharedPrefixFailing { prefix: "p".into(), count: 3 });
        assert!(text.contains('3') && !text.contains("{n}"), "{text}");
    }
    assert_ne!(Lang::En.t(K::Start), Lang::Ru.t(K::Start));
    assert_eq!(Lang::from_code("ru-RU"), Some(Lang::Ru));
    assert_eq!(Lang::from_code("de"), None);
}
