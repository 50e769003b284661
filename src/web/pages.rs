//! The phone form's pages: small, mobile-first, accessible HTML with no scripts and no external
//! assets, so it works on any phone, with JavaScript off, on a gallery network with no internet.
//! Every word is in the language the phone's browser asks for, among the translations (a
//! [`Voice`]), and a page in a language written right to left says so (`dir="rtl"`); what a
//! visitor types reads in its own direction (`dir="auto"`).

use std::fmt::Write as _;

use crate::{
    i18n::{Phrase, Voice},
    narrative::validate::{LANGUAGE_LIMIT, ORIGIN_LIMIT, STORY_LIMIT},
};

/// What the visitor typed, kept so a refused form comes back filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct Draft {
    pub story: String,
    pub origin: String,
    pub language: String,
    /// The "show my thread" box (`on` when ticked).
    pub show: Option<String>,
    /// The "protect it in the Sanctuary" box.
    pub sanctuary: Option<String>,
    pub token: String,
}

/// Escapes text for HTML element content and quoted attribute values.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root{color-scheme:dark;--ink:#f4eefc;--dim:#b9b0cc;--glow:#ffcf8a;--bad:#ffb4a8}
*{box-sizing:border-box}
body{margin:0;font:1.1rem/1.5 system-ui,sans-serif;color:var(--ink);
background:radial-gradient(circle at 50% -20%,#3a2a66,#120d24 60%,#07050f)}
main{max-width:36rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-weight:400;font-size:1.7rem;margin:.5rem 0 .25rem;color:var(--glow)}
p{margin:.4rem 0 1rem}
label,legend{display:block;font-weight:600;margin-top:1.1rem}
.hint{display:block;font-weight:400;font-size:.95rem;color:var(--dim)}
textarea,input[type=text]{width:100%;font:inherit;color:var(--ink);background:#1d1636;
border:2px solid #5b4a8c;border-radius:.6rem;padding:.7rem}
textarea{min-height:9rem}
textarea:focus,input:focus,button:focus{outline:3px solid var(--glow);outline-offset:2px}
fieldset{border:0;padding:0;margin:0}
.check{display:flex;gap:.7rem;align-items:flex-start;font-weight:400;margin-top:.8rem}
.check input{width:1.6rem;height:1.6rem;margin:0;flex:none}
button{margin-top:1.6rem;width:100%;font:inherit;font-weight:700;padding:.9rem;border:0;
border-radius:.8rem;background:var(--glow);color:#1a1030}
.errors{border:2px solid var(--bad);border-radius:.6rem;padding:.3rem 1rem;color:var(--bad)}
.code{font:700 2.4rem/1.2 ui-monospace,monospace;letter-spacing:.3rem;color:var(--glow)}
a{color:var(--glow)}
.card img{width:100%;height:auto;border-radius:.6rem;display:block}
";

/// A whole page: `title` (already said in the visitor's language) and `body`, in the language
/// and direction of `say`.
fn page(say: Voice<'_>, title: &str, body: &str) -> String {
    let language = say.language();
    let dir = if language.is_right_to_left() {
        "rtl"
    } else {
        "ltr"
    };
    let title = say.phrase(&Phrase::new("page-title").with_text("title", title));
    format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        lang = language.tag(),
        title = escape(&title),
    )
}

fn error_list(say: Voice<'_>, errors: &[String]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<div class=\"errors\" role=\"alert\" id=\"problems\"><p>{}</p><ul>",
        escape(&say.text("web-problems"))
    );
    for error in errors {
        let _ = write!(out, "<li>{}</li>", escape(error));
    }
    out.push_str("</ul></div>");
    out
}

/// A sentence of the translations with a link in it: the message `id`, whose `$link` is the
/// message `link` as a link to `href`. Escaped as a whole, then the link put in.
fn with_link(say: Voice<'_>, id: &'static str, link: &'static str, href: &str) -> String {
    // A private-use character stands in for the link while the sentence is escaped.
    const MARK: &str = "\u{E000}";
    let sentence = say.phrase(&Phrase::new(id).with_text("link", MARK));
    let anchor = format!("<a href=\"{href}\">{}</a>", escape(&say.text(link)));
    escape(&sentence).replace(MARK, &anchor)
}

/// The dream form, in the visitor's language. `errors` (said in it already) are shown above it,
/// with what was typed kept.
#[must_use]
pub fn form(say: Voice<'_>, token: &str, draft: &Draft, errors: &[String]) -> String {
    let checked = |on: &Option<String>| if on.is_some() { " checked" } else { "" };
    let text = |id: &str| escape(&say.text(id));
    let limited = |id: &'static str, limit: usize| {
        escape(&say.phrase(&Phrase::new(id).with_count("limit", limit)))
    };
    let body = format!(
        "<h1>{title}</h1>\
         <p>{intro}</p>\
         {errors}\
         <form method=\"post\" action=\"/dream\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"story\">{story_label}\
         <span class=\"hint\" id=\"story-hint\">{story_hint}</span></label>\
         <textarea id=\"story\" name=\"story\" required dir=\"auto\" aria-describedby=\"story-hint\">{story}</textarea>\
         <label for=\"origin\">{origin_label}\
         <span class=\"hint\" id=\"origin-hint\">{origin_hint}</span></label>\
         <input type=\"text\" id=\"origin\" name=\"origin\" required autocomplete=\"off\" dir=\"auto\" \
         aria-describedby=\"origin-hint\" value=\"{origin}\">\
         <label for=\"language\">{language_label}\
         <span class=\"hint\" id=\"language-hint\">{language_hint}</span></label>\
         <input type=\"text\" id=\"language\" name=\"language\" autocomplete=\"off\" dir=\"ltr\" \
         aria-describedby=\"language-hint\" value=\"{language}\">\
         <fieldset><legend>{choices}</legend>\
         <label class=\"check\"><input type=\"checkbox\" name=\"show\"{show}>\
         <span>{show_text}</span></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"sanctuary\"{sanctuary}>\
         <span>{sanctuary_text}</span></label>\
         </fieldset>\
         <button type=\"submit\">{weave}</button>\
         </form>\
         <p><a href=\"/withdraw\">{withdraw}</a></p>",
        title = text("web-form-title"),
        intro = text("web-form-intro"),
        errors = error_list(say, errors),
        token = escape(token),
        story_label = text("web-story-label"),
        story_hint = limited("web-story-hint", STORY_LIMIT),
        story = escape(&draft.story),
        origin_label = text("web-origin-label"),
        origin_hint = limited("web-origin-hint", ORIGIN_LIMIT),
        origin = escape(&draft.origin),
        language_label = text("web-language-label"),
        language_hint = limited("web-language-hint", LANGUAGE_LIMIT),
        language = escape(&draft.language),
        choices = text("web-choices"),
        show = checked(&draft.show),
        show_text = text("web-show"),
        sanctuary = checked(&draft.sanctuary),
        sanctuary_text = text("web-sanctuary"),
        weave = text("web-weave"),
        withdraw = text("web-withdraw-link"),
    );
    page(say, &say.text("web-form-title"), &body)
}

/// After a dream was stored: its receipt code and what to do with it.
#[must_use]
pub fn thanks(
    say: Voice<'_>,
    receipt: &str,
    pending: bool,
    shown: bool,
    card: Option<&[u8]>,
) -> String {
    let when = match (pending, shown) {
        (_, false) => say.text("web-thanks-hidden"),
        (true, true) => say.text("web-thanks-pending"),
        (false, true) => say.text("web-thanks-woven"),
    };
    let spelled = receipt
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    let title = say.text("web-thanks-title");
    let body = format!(
        "<h1>{heading}</h1><p>{when}</p>\
         <p>{code_label}</p><p class=\"code\" dir=\"ltr\" aria-label=\"{spelled}\">{code}</p>\
         <p>{keep}</p>{card}\
         <p><a href=\"/\">{another}</a></p>",
        heading = escape(&title),
        when = escape(&when),
        code_label = escape(&say.text("web-thanks-code")),
        spelled =
            escape(&say.phrase(&Phrase::new("web-code-spelled").with_text("letters", spelled))),
        code = escape(receipt),
        keep = with_link(say, "web-thanks-keep", "web-thanks-keep-link", "/withdraw"),
        another = escape(&say.text("web-share-another")),
        card = card
            .map(|png| keepsake(say, receipt, png))
            .unwrap_or_default(),
    );
    page(say, &title, &body)
}

/// The keepsake card in the receipt page, as a `data:` URL a touch downloads: no second request,
/// no address with the code in it for anyone else to fetch.
fn keepsake(say: Voice<'_>, receipt: &str, png: &[u8]) -> String {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        "<p>{words}</p><p><a class=\"card\" download=\"dream-{code}.png\" \
         href=\"data:image/png;base64,{data}\"><img src=\"data:image/png;base64,{data}\" \
         alt=\"{alt}\"></a></p>",
        words = escape(&say.text("web-thanks-card")),
        code = escape(receipt),
        alt = escape(&say.text("web-thanks-card-alt")),
    )
}

/// The withdrawal form.
#[must_use]
pub fn withdraw_form(say: Voice<'_>, token: &str, code: &str, errors: &[String]) -> String {
    let text = |id: &str| escape(&say.text(id));
    let body = format!(
        "<h1>{title}</h1>\
         <p>{intro}</p>{errors}\
         <form method=\"post\" action=\"/withdraw\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"code\">{code_label}<span class=\"hint\" id=\"code-hint\">{code_hint}\
         </span></label>\
         <input type=\"text\" id=\"code\" name=\"code\" required autocomplete=\"off\" dir=\"ltr\" \
         autocapitalize=\"characters\" aria-describedby=\"code-hint\" value=\"{code}\">\
         <button type=\"submit\">{erase}</button></form>\
         <p><a href=\"/\">{instead}</a></p>",
        title = text("web-withdraw-title"),
        intro = text("web-withdraw-intro"),
        errors = error_list(say, errors),
        token = escape(token),
        code_label = text("web-code-label"),
        code_hint = text("web-code-hint"),
        code = escape(code),
        erase = text("web-erase"),
        instead = text("web-share-instead"),
    );
    page(say, &say.text("web-withdraw-title"), &body)
}

/// After a withdrawal: erased for good, or (`pending`) off the cloak with an old copy on the
/// kiosk's disk still to be wiped.
#[must_use]
pub fn withdrawn(say: Voice<'_>, receipt: &str, pending: bool) -> String {
    let (title, text) = if pending {
        ("web-taken-back-title", "web-taken-back")
    } else {
        ("web-erased-title", "web-erased")
    };
    let title = say.text(title);
    let text = say.phrase(&Phrase::new(text).with_text("code", receipt));
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        escape(&title),
        escape(&text),
        escape(&say.text("web-back"))
    );
    page(say, &title, &body)
}

/// A refusal or fault, in plain words (said in the visitor's language already), with a way back.
#[must_use]
pub fn message(say: Voice<'_>, title: &str, text: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        escape(title),
        escape(text),
        escape(&say.text("web-back"))
    );
    page(say, title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, Translations, negotiate};

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn form_keeps_what_was_typed() {
        let translations = Translations::new();
        let draft = Draft {
            story: "I flew <over> the river".into(),
            origin: "Nahua".into(),
            show: Some("on".into()),
            ..Draft::default()
        };
        let html = form(
            translations.voice(Language::English),
            "tok",
            &draft,
            &["the story is empty".into()],
        );
        assert!(html.contains("I flew &lt;over&gt; the river</textarea>"));
        assert!(html.contains("value=\"Nahua\""));
        assert!(html.contains("name=\"show\" checked"));
        assert!(!html.contains("name=\"sanctuary\" checked"));
        assert!(html.contains("role=\"alert\""));
        assert!(!html.contains("<script"), "no scripts on the form");
        assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"), "{html}");
        assert!(html.contains("<title>Share a dream — Cloak of Collective Dreams</title>"));
        assert!(
            html.contains("In any language, up to 600 characters."),
            "{html}"
        );
    }

    /// A phone whose browser asks for Arabic gets every page in Arabic, right to left; Spanish
    /// in Spanish; and one that asks for neither, English.
    #[test]
    fn a_phone_reads_the_form_in_the_language_it_asks_for() {
        let translations = Translations::new();
        let draft = Draft::default();
        let arabic = translations.voice(negotiate("ar-EG,ar;q=0.9,en;q=0.8"));
        let html = form(arabic, "tok", &draft, &[]);
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(html.contains("<h1>شارك حلمًا</h1>"), "{html}");
        assert!(html.contains("عباءة الأحلام الجماعية</title>"), "{html}");
        assert!(
            html.contains("٦٠٠"),
            "numbers in Arabic-Indic digits: {html}"
        );
        assert!(!html.contains("Share a dream"), "{html}");
        let thanks = thanks(arabic, "7KQ4XM", false, true, None);
        assert!(thanks.contains("dir=\"rtl\""), "{thanks}");
        assert!(thanks.contains("نُسج حلمك"), "{thanks}");
        assert!(
            thanks.contains("<a href=\"/withdraw\">لاسترجاع حلمك</a>"),
            "the link stays a link inside the Arabic sentence: {thanks}"
        );
        let spanish = form(
            translations.voice(negotiate("es-MX,es;q=0.9")),
            "tok",
            &draft,
            &[],
        );
        assert!(
            spanish.contains("<html lang=\"es\" dir=\"ltr\">"),
            "{spanish}"
        );
        assert!(spanish.contains("Comparte un sueño"), "{spanish}");
        let english = form(
            translations.voice(negotiate("de-DE,fr")),
            "tok",
            &draft,
            &[],
        );
        assert!(
            english.contains("<html lang=\"en\" dir=\"ltr\">"),
            "{english}"
        );
        assert!(english.contains("<h1>Share a dream</h1>"), "{english}");
    }

    #[test]
    fn the_receipt_page_keeps_its_link_and_its_words() {
        let translations = Translations::new();
        let english = translations.voice(Language::English);
        let html = thanks(english, "7KQ4XM", true, true, Some(&[137, 80, 78, 71]));
        assert!(html.contains("Your dream is woven in"));
        assert!(html.contains("A curator looks at every dream"));
        assert!(html.contains(
            "Type it at the kiosk to find your thread, or use it here to \
             <a href=\"/withdraw\">take your dream back</a> at any time."
        ));
        assert!(html.contains("aria-label=\"code 7 K Q 4 X M\""), "{html}");
        // The card, downloadable, its bytes in the page: "\x89PNG" in base64.
        assert!(
            html.contains("download=\"dream-7KQ4XM.png\" href=\"data:image/png;base64,iVBORw==\""),
            "{html}"
        );
        let erased = withdrawn(english, "7KQ4XM", false);
        assert!(erased.contains("<h1>Your dream is erased</h1>"), "{erased}");
        assert!(
            erased.contains("Dream 7KQ4XM. Its words are gone"),
            "{erased}"
        );
    }
}
