//! Removing where a picture was taken before it is stored: the GPS block of
//! its EXIF metadata (JPEG `APP1`, PNG `eXIf`, WebP `EXIF`) and XMP packets
//! that carry GPS fields. Every edit keeps the file's length and layout —
//! entries are zeroed and unlinked in place — so nothing else in the file
//! moves and the picture itself is untouched, byte for byte.

use super::Kind;

/// The EXIF tag of the pointer to the GPS block.
const GPS_POINTER: u16 = 0x8825;

/// Removes location metadata from `bytes` in place; true when something was removed.
pub fn remove_location(bytes: &mut [u8], kind: Kind) -> bool {
    match kind {
        Kind::Jpeg => scrub_jpeg(bytes),
        Kind::Png => scrub_png(bytes),
        Kind::Webp => scrub_webp(bytes),
        _ => false,
    }
}

/// Walks the JPEG segments before the image data.
fn scrub_jpeg(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let end = at + 2 + len;
        if len < 2 || end > bytes.len() {
            break;
        }
        if marker == 0xE1 {
            let payload = &mut bytes[at + 4..end];
            if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                let offset = payload.len() - tiff.len();
                changed |= scrub_tiff(&mut payload[offset..]);
            } else if payload.starts_with(b"http://ns.adobe.com/xap/1.0/") && xmp_has_gps(payload) {
                // Turn the packet into a blank comment of the same length.
                bytes[at + 1] = 0xFE;
                bytes[at + 4..end].fill(b' ');
                changed = true;
            }
        }
        at = end;
    }
    changed
}

/// Whether an XMP packet holds GPS fields (`exif:GPSLatitude`, …).
fn xmp_has_gps(packet: &[u8]) -> bool {
    packet
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"exif:gp"))
}

/// Walks the PNG chunks; an edited chunk gets its checksum again.
fn scrub_png(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 8;
    while at + 12 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let Ok(len) = usize::try_from(len) else { break };
        let end = at + 12 + len;
        if end > bytes.len() {
            break;
        }
        let kind = [bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]];
        let data = at + 8..at + 8 + len;
        let edited = match &kind {
            b"eXIf" => scrub_tiff_maybe_prefixed(&mut bytes[data.clone()]),
            b"iTXt"
                if bytes[data.clone()].starts_with(b"XML:com.adobe.xmp\0")
                    && xmp_has_gps(&bytes[data.clone()]) =>
            {
                bytes[data.clone()].fill(0);
                true
            }
            _ => false,
        };
        if edited {
            let crc = crc32fast::hash(&bytes[at + 4..at + 8 + len]);
            bytes[at + 8 + len..end].copy_from_slice(&crc.to_be_bytes());
            changed = true;
        }
        if &kind == b"IEND" {
            break;
        }
        at = end;
    }
    changed
}

/// Walks the RIFF chunks of a WebP file.
fn scrub_webp(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let kind = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        let len = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
        let Ok(len) = usize::try_from(len) else { break };
        let data = at + 8..at + 8 + len;
        if data.end > bytes.len() {
            break;
        }
        match &kind {
            b"EXIF" => changed |= scrub_tiff_maybe_prefixed(&mut bytes[data.clone()]),
            b"XMP " if xmp_has_gps(&bytes[data.clone()]) => {
                bytes[data.clone()].fill(b' ');
                changed = true;
            }
            _ => {}
        }
        at = data.end + (len & 1);
    }
    changed
}

/// Some writers put the JPEG `Exif\0\0` header in front of the TIFF data.
fn scrub_tiff_maybe_prefixed(data: &mut [u8]) -> bool {
    let skip = if data.starts_with(b"Exif\0\0") { 6 } else { 0 };
    scrub_tiff(&mut data[skip..])
}

/// Reads and writes numbers in a TIFF block's byte order.
struct Tiff<'a> {
    bytes: &'a mut [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at + 2)?;
        let pair = [b[0], b[1]];
        Some(if self.little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        let quad = [b[0], b[1], b[2], b[3]];
        Some(if self.little {
            u32::from_le_bytes(quad)
        } else {
            u32::from_be_bytes(quad)
        })
    }

    fn offset_at(&self, at: usize) -> Option<usize> {
        usize::try_from(self.u32_at(at)?).ok()
    }

    fn put_u16(&mut self, at: usize, value: u16) {
        let b = if self.little {
            value.to_le_bytes()
        } else {
            value.to_be_bytes()
        };
        if let Some(slot) = self.bytes.get_mut(at..at + 2) {
            slot.copy_from_slice(&b);
        }
    }

    fn zero(&mut self, from: usize, len: usize) {
        let end = from.saturating_add(len).min(self.bytes.len());
        if from < end {
            self.bytes[from..end].fill(0);
        }
    }
}

/// The bytes a value of TIFF type `kind` takes.
fn type_size(kind: u16) -> usize {
    match kind {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 1,
    }
}

/// Zeroes the GPS block of a TIFF structure (its entries and every value
/// they point to) and takes its pointer out of the first directory.
fn scrub_tiff(bytes: &mut [u8]) -> bool {
    let little = match bytes.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return false,
    };
    let mut tiff = Tiff { bytes, little };
    let Some(ifd0) = tiff.offset_at(4) else {
        return false;
    };
    let Some(count) = tiff.u16_at(ifd0) else {
        return false;
    };
    let entries = usize::from(count);
    let Some(index) = (0..entries).find(|i| tiff.u16_at(ifd0 + 2 + 12 * i) == Some(GPS_POINTER))
    else {
        return false;
    };
    let entry = ifd0 + 2 + 12 * index;
    if let Some(gps) = tiff.offset_at(entry + 8) {
        zero_directory(&mut tiff, gps);
    }
    // Close the gap: later entries and the next-directory offset move up.
    let table_end = ifd0 + 2 + 12 * entries + 4;
    if table_end <= tiff.bytes.len() {
        tiff.bytes.copy_within(entry + 12..table_end, entry);
        tiff.zero(table_end - 12, 12);
        tiff.put_u16(ifd0, count - 1);
    } else {
        tiff.zero(entry, 12);
    }
    true
}

/// Zeroes a directory's entries and the values stored outside them.
fn zero_directory(tiff: &mut Tiff<'_>, at: usize) {
    let Some(count) = tiff.u16_at(at) else {
        return;
    };
    for i in 0..usize::from(count) {
        let entry = at + 2 + 12 * i;
        let (Some(kind), Some(n)) = (tiff.u16_at(entry + 2), tiff.offset_at(entry + 4)) else {
            break;
        };
        let size = type_size(kind).saturating_mul(n);
        if size > 4
            && let Some(value) = tiff.offset_at(entry + 8)
        {
            tiff.zero(value, size);
        }
    }
    tiff.zero(at, 2 + 12 * usize::from(count) + 4);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian TIFF block with an orientation entry and a GPS block
    /// holding a latitude (three rationals stored outside the entry).
    pub(crate) fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes()); // IFD0 at 8
        t.extend(2u16.to_le_bytes());
        // Orientation (0x0112) SHORT 1 = 6
        t.extend(0x0112u16.to_le_bytes());
        t.extend(3u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(6u32.to_le_bytes());
        // GPS pointer LONG 1 → 38
        t.extend(GPS_POINTER.to_le_bytes());
        t.extend(4u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(38u32.to_le_bytes());
        t.extend(0u32.to_le_bytes()); // no next IFD; offset 34 → 38
        // GPS IFD at 38: one entry, GPSLatitude (2) RATIONAL 3 at 56
        t.extend(1u16.to_le_bytes());
        t.extend(2u16.to_le_bytes());
        t.extend(5u16.to_le_bytes());
        t.extend(3u32.to_le_bytes());
        t.extend(56u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        for value in [48u32, 1, 51, 1, 2947, 100] {
            t.extend(value.to_le_bytes());
        }
        t
    }

    #[test]
    fn the_gps_block_is_zeroed_and_unlinked() {
        let mut tiff = tiff_with_gps();
        let len = tiff.len();
        assert!(scrub_tiff(&mut tiff));
        assert_eq!(tiff.len(), len);
        // One entry left (orientation), then a zero next-IFD offset.
        assert_eq!(&tiff[8..10], &1u16.to_le_bytes());
        assert_eq!(&tiff[10..12], &0x0112u16.to_le_bytes());
        assert_eq!(&tiff[18..22], &6u32.to_le_bytes());
        assert!(tiff[22..].iter().all(|b| *b == 0), "{tiff:?}");
        assert!(!scrub_tiff(&mut tiff), "nothing left to remove");
    }

    #[test]
    fn a_jpeg_keeps_its_length_and_its_image() {
        let tiff = tiff_with_gps();
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let len = u16::try_from(tiff.len() + 8).unwrap_or(0);
        jpeg.extend(len.to_be_bytes());
        jpeg.extend(b"Exif\0\0");
        jpeg.extend(&tiff);
        jpeg.extend([0xFF, 0xDA, 0, 2, 1, 2, 3, 0xFF, 0xD9]);
        let before = jpeg.clone();
        assert!(remove_location(&mut jpeg, Kind::Jpeg));
        assert_eq!(jpeg.len(), before.len());
        assert_eq!(jpeg[jpeg.len() - 9..], before[before.len() - 9..]);
        let latitude = 2947u32.to_le_bytes();
        assert!(!jpeg.windows(4).any(|w| w == latitude));
    }

    #[test]
    fn xmp_packets_with_a_position_are_blanked() {
        let packet = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>48,51.4N</exif:GPSLatitude></x:xmpmeta>";
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend(u16::try_from(packet.len() + 2).unwrap_or(0).to_be_bytes());
        jpeg.extend(packet);
        jpeg.extend([0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        let len = jpeg.len();
        assert!(remove_location(&mut jpeg, Kind::Jpeg));
        assert_eq!(jpeg.len(), len);
        assert_eq!(jpeg[3], 0xFE, "the packet is now a comment");
        assert!(!jpeg.windows(8).any(|w| w == b"48,51.4N"));
        let mut webp = b"RIFF\0\0\0\0WEBPXMP ".to_vec();
        webp.extend(u32::try_from(packet.len()).unwrap_or(0).to_le_bytes());
        webp.extend(packet);
        assert!(remove_location(&mut webp, Kind::Webp));
        assert!(!webp.windows(8).any(|w| w == b"48,51.4N"));
    }

    #[test]
    fn malformed_metadata_is_left_alone() {
        let mut garbage = b"II*\0\xff\xff\xff\xff".to_vec();
        assert!(!scrub_tiff(&mut garbage));
        let mut short = vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1];
        assert!(!remove_location(&mut short, Kind::Jpeg));
    }
}
