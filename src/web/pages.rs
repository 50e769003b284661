//! The phone form's pages: small, mobile-first, accessible HTML with no scripts and no external
//! assets, so it works on any phone, with JavaScript off, on a gallery network with no internet.

use std::fmt::Write as _;

use crate::narrative::validate::{LANGUAGE_LIMIT, ORIGIN_LIMIT, STORY_LIMIT};

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
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} — Cloak of Collective Dreams</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

fn error_list(errors: &[String]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<div class=\"errors\" role=\"alert\" id=\"problems\"><p>Please look at this first:</p><ul>",
    );
    for error in errors {
        let _ = write!(out, "<li>{}</li>", escape(error));
    }
    out.push_str("</ul></div>");
    out
}

/// The dream form. `errors` are shown above it, in plain words, with what was typed kept.
#[must_use]
pub fn form(token: &str, draft: &Draft, errors: &[String]) -> String {
    let checked = |on: &Option<String>| if on.is_some() { " checked" } else { "" };
    let body = format!(
        "<h1>Share a dream</h1>\
         <p>Your dream becomes a thread in the Cloak of Collective Dreams, in the colours of where \
         it comes from. You get a code to find your thread again, or to take it back.</p>\
         {errors}\
         <form method=\"post\" action=\"/dream\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"story\">Your dream\
         <span class=\"hint\" id=\"story-hint\">In any language, up to {STORY_LIMIT} characters.</span></label>\
         <textarea id=\"story\" name=\"story\" required aria-describedby=\"story-hint\">{story}</textarea>\
         <label for=\"origin\">Where your dream comes from\
         <span class=\"hint\" id=\"origin-hint\">Your culture or place, in your own words — \
         e.g. “Yoruba, Lagos” (up to {ORIGIN_LIMIT} characters).</span></label>\
         <input type=\"text\" id=\"origin\" name=\"origin\" required autocomplete=\"off\" \
         aria-describedby=\"origin-hint\" value=\"{origin}\">\
         <label for=\"language\">Language of your dream (optional)\
         <span class=\"hint\" id=\"language-hint\">A short tag such as “yo”, “pt-BR” or “zh-Hant” \
         (up to {LANGUAGE_LIMIT} characters).</span></label>\
         <input type=\"text\" id=\"language\" name=\"language\" autocomplete=\"off\" \
         aria-describedby=\"language-hint\" value=\"{language}\">\
         <fieldset><legend>Your choices</legend>\
         <label class=\"check\"><input type=\"checkbox\" name=\"show\"{show}>\
         <span>Show my thread on the cloak, where others can read it.</span></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"sanctuary\"{sanctuary}>\
         <span>Protect it in the Sanctuary: the Protocol may not dissolve it.</span></label>\
         </fieldset>\
         <button type=\"submit\">Weave my dream in</button>\
         </form>\
         <p><a href=\"/withdraw\">Take back a dream you shared</a></p>",
        errors = error_list(errors),
        token = escape(token),
        story = escape(&draft.story),
        origin = escape(&draft.origin),
        language = escape(&draft.language),
        show = checked(&draft.show),
        sanctuary = checked(&draft.sanctuary),
    );
    page("Share a dream", &body)
}

/// After a dream was stored: its receipt code and what to do with it.
#[must_use]
pub fn thanks(receipt: &str, pending: bool, shown: bool) -> String {
    let when = match (pending, shown) {
        (_, false) => "It is kept, and not shown on the cloak, as you asked.",
        (true, true) => {
            "A curator looks at every dream before it joins the cloak; yours will appear soon."
        }
        (false, true) => "Look up at the cloak: your thread is weaving in now.",
    };
    let body = format!(
        "<h1>Your dream is woven in</h1><p>{when}</p>\
         <p>Your code:</p><p class=\"code\" aria-label=\"code {spelled}\">{code}</p>\
         <p>Keep it (take a photo). Type it at the kiosk to find your thread, or use it here to \
         <a href=\"/withdraw\">take your dream back</a> at any time.</p>\
         <p><a href=\"/\">Share another dream</a></p>",
        code = escape(receipt),
        spelled = escape(
            &receipt
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    page("Your dream is woven in", &body)
}

/// The withdrawal form.
#[must_use]
pub fn withdraw_form(token: &str, code: &str, errors: &[String]) -> String {
    let body = format!(
        "<h1>Take back a dream</h1>\
         <p>Type the code you were given. Your dream's words are erased for good and its thread \
         leaves the cloak.</p>{errors}\
         <form method=\"post\" action=\"/withdraw\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"code\">Your code<span class=\"hint\" id=\"code-hint\">Six letters and \
         digits, e.g. 7KQ4XM.</span></label>\
         <input type=\"text\" id=\"code\" name=\"code\" required autocomplete=\"off\" \
         autocapitalize=\"characters\" aria-describedby=\"code-hint\" value=\"{code}\">\
         <button type=\"submit\">Erase my dream</button></form>\
         <p><a href=\"/\">Share a dream instead</a></p>",
        errors = error_list(errors),
        token = escape(token),
        code = escape(code),
    );
    page("Take back a dream", &body)
}

/// After a withdrawal: erased for good, or (`pending`) off the cloak with an old copy on the
/// kiosk's disk still to be wiped.
#[must_use]
pub fn withdrawn(receipt: &str, pending: bool) -> String {
    let rest = if pending {
        "Its thread is leaving the cloak and its words are gone from the store; an old copy left          on this computer's disk is wiped as soon as the store is free, within minutes."
    } else {
        "Its words are gone from the store, and its thread is leaving the cloak."
    };
    let title = if pending {
        "Your dream is taken back"
    } else {
        "Your dream is erased"
    };
    let body = format!(
        "<h1>{title}</h1><p>Dream {}. {rest}</p><p><a href=\"/\">Back to the form</a></p>",
        escape(receipt)
    );
    page(title, &body)
}

/// A refusal or fault, in plain words, with a way back.
#[must_use]
pub fn message(title: &str, text: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the form</a></p>",
        escape(title),
        escape(text)
    );
    page(title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn form_keeps_what_was_typed() {
        let draft = Draft {
            story: "I flew <over> the river".into(),
            origin: "Nahua".into(),
            show: Some("on".into()),
            ..Draft::default()
        };
        let html = form("tok", &draft, &["the story is empty".into()]);
        assert!(html.contains("I flew &lt;over&gt; the river</textarea>"));
        assert!(html.contains("value=\"Nahua\""));
        assert!(html.contains("name=\"show\" checked"));
        assert!(!html.contains("name=\"sanctuary\" checked"));
        assert!(html.contains("role=\"alert\""));
        assert!(!html.contains("<script"), "no scripts on the form");
    }
}
