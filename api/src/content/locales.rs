//! The site's locales and their fallback chains (design §13): which locales
//! a read asking for one (or for what a browser's `Accept-Language` lists)
//! may be answered in, best first. Pure functions, tested below.

use super::validate;

/// The configured locales: the default first, and the fallback chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locales {
    /// The site's locales, the default first (never empty).
    pub list: Vec<String>,
    /// For a locale, the locales to try after it, in order
    /// (`MASTHEAD_LOCALE_FALLBACKS=fr-CA:fr,en`).
    pub fallbacks: Vec<(String, Vec<String>)>,
}

/// Most locales an `Accept-Language` header may contribute.
const MAX_ACCEPTED: usize = 10;

impl Locales {
    /// The locales of the site, with `fallbacks` written as
    /// `fr-CA:fr,en;de-AT:de` (each locale checked).
    pub fn new(list: Vec<String>, fallbacks: &str) -> Result<Self, String> {
        if list.is_empty() {
            return Err("name at least one locale".to_owned());
        }
        let mut chains = Vec::new();
        for entry in fallbacks
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (from, to) = entry
                .split_once(':')
                .ok_or_else(|| format!("`{entry}` must read locale:fallback,fallback"))?;
            let from = validate::locale(from.trim()).map_err(|m| format!("`{from}` {m}"))?;
            let to = to
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| validate::locale(l).map_err(|m| format!("`{l}` {m}")))
                .collect::<Result<Vec<_>, _>>()?;
            chains.push((from, to));
        }
        Ok(Self {
            list,
            fallbacks: chains,
        })
    }

    /// The default locale.
    pub fn default_locale(&self) -> &str {
        &self.list[0]
    }

    /// The locales to answer a read that wants `wanted` (best first) in:
    /// each wanted locale, then (with `fallback`) its configured chain — or
    /// its language alone (`fr` after `fr-CA`) when it has none — and last
    /// the default locale. Without `fallback`, the wanted locales only.
    pub fn chain(&self, wanted: &[String], fallback: bool) -> Vec<String> {
        let mut chain: Vec<String> = Vec::new();
        let mut add = |locale: &str| {
            if !chain.iter().any(|l| l.eq_ignore_ascii_case(locale)) {
                chain.push(locale.to_owned());
            }
        };
        for locale in wanted {
            add(locale);
            if !fallback {
                continue;
            }
            match self
                .fallbacks
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(locale))
            {
                Some((_, to)) => to.iter().for_each(|l| add(l)),
                None => {
                    if let Some((language, _)) = locale.split_once('-') {
                        add(language);
                    }
                }
            }
        }
        if fallback {
            add(self.default_locale());
        }
        chain
    }
}

/// The locales an `Accept-Language` header asks for, most wanted first
/// (`fr-CA,fr;q=0.9,en;q=0.5` → `fr-CA`, `fr`, `en`). Ranges that are not
/// locales (`*`, malformed ones) and those with `q=0` are left out.
pub fn accepted(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u16, usize, String)> = Vec::new();
    for (index, item) in header.split(',').enumerate() {
        let mut parts = item.split(';').map(str::trim);
        let range = parts.next().unwrap_or("");
        let mut weight = 1000u16;
        for param in parts {
            if let Some(q) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                weight = q
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .map_or(0, |q| (q * 1000.0).round() as u16);
            }
        }
        if weight == 0 || range == "*" {
            continue;
        }
        if let Ok(locale) = validate::locale_filter(range) {
            ranges.push((weight, index, locale));
        }
    }
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut locales: Vec<String> = Vec::new();
    for (_, _, locale) in ranges {
        if !locales.contains(&locale) && locales.len() < MAX_ACCEPTED {
            locales.push(locale);
        }
    }
    locales
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Locales {
        let list = vec!["fr".to_owned(), "en".to_owned(), "de".to_owned()];
        Locales::new(list, "fr-CA:fr,en; de-AT:de").unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_configured_chain_is_followed_then_the_default() {
        let locales = site();
        assert_eq!(
            locales.chain(&strings(&["fr-CA"]), true),
            ["fr-CA", "fr", "en"]
        );
        assert_eq!(
            locales.chain(&strings(&["de-AT"]), true),
            ["de-AT", "de", "fr"]
        );
        assert_eq!(locales.chain(&strings(&["fr-CA"]), false), ["fr-CA"]);
    }

    #[test]
    fn without_a_chain_the_language_and_the_default_follow() {
        let locales = site();
        assert_eq!(
            locales.chain(&strings(&["en-GB"]), true),
            ["en-GB", "en", "fr"]
        );
        assert_eq!(locales.chain(&strings(&["fr"]), true), ["fr"]);
        assert_eq!(
            locales.chain(&strings(&["it", "en"]), true),
            ["it", "en", "fr"]
        );
    }

    #[test]
    fn accept_language_is_read_by_weight_then_order() {
        assert_eq!(
            accepted("en;q=0.5, fr-CA, fr;q=0.9, *;q=0.1, de;q=0, x_bad"),
            ["fr-CA", "fr", "en"]
        );
        assert_eq!(accepted(""), Vec::<String>::new());
        assert_eq!(accepted("de-at"), ["de-AT"]);
    }

    #[test]
    fn fallbacks_are_checked() {
        let list = vec!["fr".to_owned()];
        assert!(Locales::new(list.clone(), "fr-CA").is_err());
        assert!(Locales::new(list.clone(), "fr-CA:zz-!!").is_err());
        assert!(Locales::new(Vec::new(), "").is_err());
        assert_eq!(Locales::new(list, "").unwrap().fallbacks, Vec::new());
    }
}
