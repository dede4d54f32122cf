//! SVG sanitising, for sites that accept SVG (`MASTHEAD_ALLOW_SVG=true`):
//! the document is parsed as XML and written again keeping only what draws.
//! Scripts, event handlers, foreign content, style sheets, document type
//! declarations (entities) and references outside the document are dropped.

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesStart, Event};

use crate::error::AppError;

/// Elements dropped with everything inside them.
const DROPPED: &[&[u8]] = &[
    b"script",
    b"foreignobject",
    b"iframe",
    b"embed",
    b"object",
    b"style",
    b"handler",
    b"listener",
];

fn bad_svg(err: impl std::fmt::Display) -> AppError {
    AppError::invalid("file", format!("the SVG document cannot be read: {err}"))
}

/// The sanitised document.
pub fn sanitize(bytes: &[u8]) -> Result<Vec<u8>, AppError> {
    let mut reader = Reader::from_reader(bytes);
    let mut writer = Writer::new(Vec::with_capacity(bytes.len()));
    let mut buf = Vec::new();
    // Depth inside a dropped element (0: not inside one).
    let mut skipping = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(bad_svg)?;
        let kept = match event {
            Event::Eof => break,
            Event::Start(_) if skipping > 0 => {
                skipping += 1;
                None
            }
            Event::End(_) if skipping > 0 => {
                skipping -= 1;
                None
            }
            _ if skipping > 0 => None,
            Event::Start(start) if is_dropped(&start) => {
                skipping = 1;
                None
            }
            Event::Empty(start) if is_dropped(&start) => None,
            Event::Start(start) => Some(Event::Start(clean(&start)?)),
            Event::Empty(start) => Some(Event::Empty(clean(&start)?)),
            Event::DocType(_) | Event::PI(_) | Event::Comment(_) => None,
            other => Some(other),
        };
        if let Some(event) = kept {
            writer.write_event(event).map_err(bad_svg)?;
        }
        buf.clear();
    }
    Ok(writer.into_inner())
}

fn lower_local(start: &BytesStart<'_>) -> Vec<u8> {
    start.local_name().as_ref().to_ascii_lowercase()
}

/// Dropped elements, and animations that would set a link or a handler.
fn is_dropped(start: &BytesStart<'_>) -> bool {
    let name = lower_local(start);
    if DROPPED.contains(&name.as_slice()) {
        return true;
    }
    start.attributes().flatten().any(|attr| {
        attr.key
            .local_name()
            .as_ref()
            .eq_ignore_ascii_case(b"attributename")
            && {
                let target = attr.value.to_ascii_lowercase();
                target.ends_with(b"href") || target.starts_with(b"on")
            }
    })
}

/// The element with only its safe attributes.
fn clean(start: &BytesStart<'_>) -> Result<BytesStart<'static>, AppError> {
    let mut out = start.to_owned();
    out.clear_attributes();
    for attr in start.attributes() {
        let attr = attr.map_err(bad_svg)?;
        let name = attr.key.local_name().as_ref().to_ascii_lowercase();
        let value = attr.value.to_ascii_lowercase();
        let value = value.trim_ascii();
        let unsafe_value = value.windows(11).any(|w| w == b"javascript:")
            || value.windows(4).any(|w| w == b"url(") && !is_local_url(value)
            || value.windows(7).any(|w| w == b"@import");
        let keep = !name.starts_with(b"on")
            && !unsafe_value
            && (!name.ends_with(b"href") || value.starts_with(b"#"));
        if keep {
            out.push_attribute(attr);
        }
    }
    Ok(out)
}

/// `url(#id)`: a reference inside the document (gradients, clips).
fn is_local_url(value: &[u8]) -> bool {
    let mut rest = value;
    while let Some(at) = rest.windows(4).position(|w| w == b"url(") {
        let after = rest[at + 4..].trim_ascii_start();
        let after = after
            .strip_prefix(b"'")
            .or(after.strip_prefix(b"\""))
            .unwrap_or(after);
        if !after.starts_with(b"#") {
            return false;
        }
        rest = &rest[at + 4..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sanitized(svg: &str) -> String {
        String::from_utf8(sanitize(svg.as_bytes()).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn scripts_handlers_and_outside_links_go() {
        let out = sanitized(
            r##"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)"><rect width="10" height="10" fill="url(#g)" style="fill:url(http://evil/)"/></a><use href="#r"/><image href="http://tracker/p.png"/><set attributeName="href" to="javascript:x"/><foreignObject><p>html</p></foreignObject><text>Été « ok »</text></svg>"##,
        );
        for gone in [
            "onload",
            "script",
            "alert",
            "javascript",
            "evil",
            "tracker",
            "ENTITY",
            "foreignObject",
            "<set",
        ] {
            assert!(!out.contains(gone), "{gone} left in {out}");
        }
        for kept in [
            "<rect",
            "fill=\"url(#g)\"",
            "href=\"#r\"",
            "Été « ok »",
            "<svg",
        ] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
    }

    #[test]
    fn broken_xml_is_a_422() {
        let err = sanitize(b"<svg><g></svg>").err().map(|e| e.status());
        assert_eq!(err, Some(422));
    }
}
