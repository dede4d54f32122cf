//! What a file is, told from its bytes (never from its name or the type a
//! client claims), and the name it is stored under.

use crate::error::AppError;

/// A type of file an asset may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
    Avif,
    Pdf,
    Svg,
}

impl Kind {
    /// Every kind, in the order messages list them.
    pub const ALL: [Kind; 7] = [
        Kind::Jpeg,
        Kind::Png,
        Kind::Webp,
        Kind::Gif,
        Kind::Avif,
        Kind::Pdf,
        Kind::Svg,
    ];

    /// The media type served with it.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
            Kind::Avif => "image/avif",
            Kind::Pdf => "application/pdf",
            Kind::Svg => "image/svg+xml",
        }
    }

    /// The kind stored as `content_type`.
    pub fn from_content_type(content_type: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.content_type() == content_type)
    }

    /// The file name extension its stored names end with.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
            Kind::Avif => "avif",
            Kind::Pdf => "pdf",
            Kind::Svg => "svg",
        }
    }

    /// Whether `ext` (lower case) is an extension files of this kind carry.
    fn names_extension(self, ext: &str) -> bool {
        ext == self.extension() || matches!((self, ext), (Kind::Jpeg, "jpeg" | "jpe" | "jfif"))
    }

    /// Whether the image decoder reads it (for sizes, placeholders and variants).
    pub fn is_raster(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp | Kind::Gif)
    }

    /// Whether it is a picture (has a width and a height).
    pub fn is_image(self) -> bool {
        !matches!(self, Kind::Pdf)
    }
}

/// The kind of `bytes`, from their signature. SVG, which has none, is told
/// by its root element; anything else is a 415 naming what was found.
pub fn sniff(bytes: &[u8], allow_svg: bool) -> Result<Kind, AppError> {
    let found = infer::get(bytes).map(|t| t.mime_type());
    let kind = match found {
        Some("image/jpeg") => Some(Kind::Jpeg),
        Some("image/png") => Some(Kind::Png),
        Some("image/webp") => Some(Kind::Webp),
        Some("image/gif") => Some(Kind::Gif),
        Some("image/avif") => Some(Kind::Avif),
        Some("application/pdf") => Some(Kind::Pdf),
        None | Some("text/xml" | "application/xml" | "image/svg+xml") if looks_like_svg(bytes) => {
            Some(Kind::Svg)
        }
        _ => None,
    };
    match kind {
        Some(Kind::Svg) if !allow_svg => Err(AppError::unsupported_file(
            "SVG files are not accepted on this site (MASTHEAD_ALLOW_SVG)",
        )),
        Some(kind) => Ok(kind),
        None => Err(AppError::unsupported_file(format!(
            "the file's content is {}; accepted: JPEG, PNG, WebP, GIF, AVIF, PDF{}",
            found.unwrap_or("not a recognised type"),
            if allow_svg { ", SVG" } else { "" }
        ))),
    }
}

/// Whether `bytes` are XML text whose root element is `svg`.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let Ok(text) =
        std::str::from_utf8(head).or_else(|err| std::str::from_utf8(&head[..err.valid_up_to()]))
    else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    // Skip the XML declaration, comments and a doctype before the root.
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            let Some(end) = after.find('>') else {
                return false;
            };
            rest = after[end + 1..].trim_start();
        } else {
            break;
        }
    }
    rest.strip_prefix("<svg")
        .and_then(|after| after.chars().next())
        .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/')
}

/// Longest stored file name, in bytes.
const MAX_NAME_LEN: usize = 120;

/// The name a file is stored and served under: the last component of what
/// the client sent (no folders, so no `../`), transliterated to ASCII,
/// letters, digits, dots, dashes and underscores only, and ending with the
/// extension of its real kind.
pub fn sanitize_filename(given: Option<&str>, kind: Kind) -> String {
    let last = given
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let ascii = deunicode::deunicode(last);
    let mut name = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        let c = if keep { c } else { '-' };
        if (c == '-' || c == '.') && name.ends_with(['-', '.']) {
            // A run of separators keeps one; a dot wins (it may start the extension).
            if c == '.' {
                name.pop();
                name.push('.');
            }
            continue;
        }
        name.push(c);
    }
    let name = name.trim_matches(['-', '.', '_']);
    let lower = name.to_ascii_lowercase();
    let stem = match lower.rsplit_once('.') {
        Some((stem, ext)) if Kind::ALL.iter().any(|k| k.names_extension(ext)) => {
            &name[..stem.len()]
        }
        _ => name,
    };
    let stem = stem.trim_matches(['-', '.', '_']);
    let mut stem = if stem.is_empty() { "file" } else { stem }.to_owned();
    let room = MAX_NAME_LEN - kind.extension().len() - 1;
    if stem.len() > room {
        stem.truncate(room);
        stem = stem.trim_end_matches(['-', '.', '_']).to_owned();
    }
    format!("{stem}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_odd_characters() {
        assert_eq!(
            sanitize_filename(Some("../../etc/passwd.jpg"), Kind::Jpeg),
            "passwd.jpg"
        );
        assert_eq!(
            sanitize_filename(Some("C:\\photos\\Été à Zoë « 2 ».JPEG"), Kind::Jpeg),
            "Ete-a-Zoe-2.jpg"
        );
        assert_eq!(sanitize_filename(Some("photo.jpg"), Kind::Png), "photo.png");
        assert_eq!(
            sanitize_filename(Some("report.final.docx"), Kind::Pdf),
            "report.final.docx.pdf"
        );
        assert_eq!(sanitize_filename(Some(".."), Kind::Pdf), "file.pdf");
        assert_eq!(sanitize_filename(None, Kind::Webp), "file.webp");
        let long = "a".repeat(500);
        assert_eq!(
            sanitize_filename(Some(&long), Kind::Gif).len(),
            MAX_NAME_LEN
        );
    }

    #[test]
    fn svg_is_told_by_its_root_element() {
        let svg = br#"<?xml version="1.0"?><!-- x --><svg xmlns="http://www.w3.org/2000/svg"/>"#;
        assert!(looks_like_svg(svg));
        assert!(!looks_like_svg(b"<html><svg></svg></html>"));
        assert!(!looks_like_svg(b"<svgfoo>"));
        assert_eq!(sniff(svg, true).ok(), Some(Kind::Svg));
        assert!(sniff(svg, false).is_err());
    }

    #[test]
    fn html_named_like_a_picture_is_refused() {
        let err = sniff(b"<!doctype html><html><body>hi</body></html>", false)
            .err()
            .map(|e| e.status());
        assert_eq!(err, Some(415));
    }
}
