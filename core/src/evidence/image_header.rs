//! A site's known image, learned from outside: which images a page links (icons, `og:image`)
//! and what an image's header says its pixel size is. The collector's `/v1/control` uses both
//! on bytes it fetched from the open web, so neither may panic on any input (no slicing or
//! indexing that can fail; fuzzed in `core/tests/no_panic.rs`).

/// The formats whose header gives the pixel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Gif,
    Jpeg,
    WebP,
    /// An icon file: the size of its largest entry (what `<img>` shows of it).
    Ico,
    Bmp,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Jpeg => "jpeg",
            Format::WebP => "webp",
            Format::Ico => "ico",
            Format::Bmp => "bmp",
        }
    }
}

/// What an image's first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// An icon file with entries of different sizes: a browser may show any of them, so its
    /// size proves nothing about a block page.
    pub ambiguous: bool,
}

/// An image at least this large measures a rate; a favicon of a few hundred bytes only
/// measures the round trip (at 128 kbit/s a 5 kB icon still loads in 0.3 s).
pub const RATE_BYTES: u32 = 16 * 1024;
/// Images larger than this are not used (nor read past it): a visitor's data plan pays for it.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;
/// Neither side may exceed this (a header claiming more is not an image a site shows).
const MAX_SIDE: u32 = 1 << 16;

fn u16_be(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u32::from(u16::from_be_bytes([*s.first()?, *s.get(1)?])))
}
fn u16_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u32::from(u16::from_le_bytes([*s.first()?, *s.get(1)?])))
}
fn u24_le(b: &[u8], at: usize) -> Option<u32> {
    Some(
        u32::from(*b.get(at)?)
            | u32::from(*b.get(at.checked_add(1)?)?) << 8
            | u32::from(*b.get(at.checked_add(2)?)?) << 16,
    )
}
fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}
fn i32_le(b: &[u8], at: usize) -> Option<i32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(i32::from_le_bytes(s.try_into().ok()?))
}

/// The format and pixel size an image's first bytes give; `None` if they are no image of a
/// known format (an HTML block page, an SVG, a truncated file) or the size is zero or absurd.
pub fn parse(bytes: &[u8]) -> Option<Header> {
    let plain = |format, width: u32, height: u32| Header { format, width, height, ambiguous: false };
    let header = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        if bytes.get(12..16)? != b"IHDR" {
            return None;
        }
        plain(Format::Png, u32_be(bytes, 16)?, u32_be(bytes, 20)?)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        plain(Format::Gif, u16_le(bytes, 6)?, u16_le(bytes, 8)?)
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        jpeg(bytes)?
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12)? == b"WEBP" {
        webp(bytes)?
    } else if bytes.starts_with(&[0, 0, 1, 0]) {
        ico(bytes)?
    } else if bytes.starts_with(b"BM") {
        let width = i32_le(bytes, 18)?;
        let height = i32_le(bytes, 22)?;
        plain(Format::Bmp, width.unsigned_abs(), height.unsigned_abs())
    } else {
        return None;
    };
    let sane = |s: u32| s > 0 && s <= MAX_SIDE;
    (sane(header.width) && sane(header.height)).then_some(header)
}

/// A JPEG's size: the first start-of-frame marker's, walking the segments.
fn jpeg(b: &[u8]) -> Option<Header> {
    let mut at = 2usize;
    // At most this many segments before the frame header (a hostile file could loop long).
    for _ in 0..512 {
        if *b.get(at)? != 0xff {
            return None;
        }
        let marker = *b.get(at.checked_add(1)?)?;
        // Fill bytes and markers without a length.
        if marker == 0xff {
            at = at.checked_add(1)?;
            continue;
        }
        if marker == 0xd8 || marker == 0x01 || (0xd0..=0xd7).contains(&marker) {
            at = at.checked_add(2)?;
            continue;
        }
        let len = u16_be(b, at.checked_add(2)?)? as usize;
        if len < 2 {
            return None;
        }
        // Start of frame: SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
        if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let height = u16_be(b, at.checked_add(5)?)?;
            let width = u16_be(b, at.checked_add(7)?)?;
            return Some(Header { format: Format::Jpeg, width, height, ambiguous: false });
        }
        at = at.checked_add(2)?.checked_add(len)?;
    }
    None
}

fn webp(b: &[u8]) -> Option<Header> {
    let plain = |width, height| Some(Header { format: Format::WebP, width, height, ambiguous: false });
    match b.get(12..16)? {
        // Lossy: a key frame's start code, then 14-bit width and height.
        b"VP8 " => {
            if b.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            plain(u16_le(b, 26)? & 0x3fff, u16_le(b, 28)? & 0x3fff)
        }
        // Lossless: a signature byte, then 14 bits each of width − 1 and height − 1.
        b"VP8L" => {
            if *b.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from(*b.get(21)?)
                | u32::from(*b.get(22)?) << 8
                | u32::from(*b.get(23)?) << 16
                | u32::from(*b.get(24)?) << 24;
            plain((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
        }
        // Extended: 24-bit canvas width − 1 and height − 1.
        b"VP8X" => plain(u24_le(b, 24)?.checked_add(1)?, u24_le(b, 27)?.checked_add(1)?),
        _ => None,
    }
}

/// An icon file: its entries (a width or height byte of 0 means 256); the largest is what
/// an `<img>` shows.
fn ico(b: &[u8]) -> Option<Header> {
    let count = u16_le(b, 4)?;
    if count == 0 || count > 64 {
        return None;
    }
    let mut sizes = Vec::new();
    for i in 0..count as usize {
        let at = i.checked_mul(16)?.checked_add(6)?;
        let side = |v: u8| if v == 0 { 256 } else { u32::from(v) };
        sizes.push((side(*b.get(at)?), side(*b.get(at.checked_add(1)?)?)));
    }
    let largest = sizes.iter().copied().max_by_key(|(w, h)| w.saturating_mul(*h))?;
    let ambiguous = sizes.iter().any(|s| *s != largest);
    Some(Header { format: Format::Ico, width: largest.0, height: largest.1, ambiguous })
}

/// An image a page links, as written in its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The `href` / `content`, unresolved and with `&amp;` decoded.
    pub href: String,
    /// `icon`, `apple-touch-icon`, `og:image`, ...
    pub rel: String,
}

/// At most this many links are taken from a page.
const MAX_LINKS: usize = 16;
/// Only this much of a page is searched (the head comes first).
const MAX_SCAN: usize = 256 * 1024;

/// The images a page links in its `<link rel=...icon...>` and `<meta property="og:image">`
/// (also `twitter:image`) tags, larger kinds first: `og:image`, `apple-touch-icon`, then
/// other icons, each in page order. A page that links none still has `/favicon.ico`, which
/// the caller tries last.
pub fn linked_images(html: &str) -> Vec<Linked> {
    let mut out: Vec<(u8, Linked)> = Vec::new();
    let end = (0..=MAX_SCAN.min(html.len())).rev().find(|i| html.is_char_boundary(*i)).unwrap_or(0);
    let html = html.get(..end).unwrap_or_default();
    let lower = html.to_ascii_lowercase();
    let mut at = 0usize;
    while out.len() < MAX_LINKS {
        let Some(found) = lower.get(at..).and_then(|rest| rest.find('<')) else {
            break;
        };
        let open = at.saturating_add(found).saturating_add(1);
        let close = lower.get(open..).and_then(|rest| rest.find('>')).map_or(lower.len(), |c| open.saturating_add(c));
        let (Some(tag), Some(original)) = (lower.get(open..close), html.get(open..close)) else {
            break;
        };
        at = close;
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let attrs = attributes(original);
        let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let linked = match name.as_str() {
            "link" => {
                let rel = get("rel").unwrap_or_default().to_ascii_lowercase();
                let rank = if rel
                    .split_ascii_whitespace()
                    .any(|r| r == "apple-touch-icon" || r == "apple-touch-icon-precomposed")
                {
                    Some(1)
                } else if rel.split_ascii_whitespace().any(|r| r == "icon" || r == "fluid-icon" || r == "mask-icon") {
                    Some(2)
                } else {
                    None
                };
                rank.zip(get("href")).map(|(rank, href)| (rank, Linked { href: unescape(href), rel }))
            }
            "meta" => {
                let key = get("property").or_else(|| get("name")).unwrap_or_default().to_ascii_lowercase();
                let image =
                    matches!(key.as_str(), "og:image" | "og:image:url" | "og:image:secure_url" | "twitter:image");
                image.then(|| get("content")).flatten().map(|c| (0, Linked { href: unescape(c), rel: key }))
            }
            // The head is over: icons and og:image live there.
            "body" => break,
            _ => None,
        };
        if let Some((rank, l)) = linked.filter(|(_, l)| !l.href.trim().is_empty() && !l.href.starts_with("data:")) {
            if !out.iter().any(|(_, o)| o.href == l.href) {
                out.push((rank, l));
            }
        }
    }
    out.sort_by_key(|(rank, _)| *rank);
    out.into_iter().map(|(_, l)| l).collect()
}

/// A tag's attributes (names lower-cased), from the text after `<name`.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = tag.char_indices().skip_while(|(_, c)| !c.is_whitespace()).peekable();
    while out.len() < 32 {
        while chars.next_if(|(_, c)| c.is_whitespace() || *c == '/').is_some() {}
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace() && *c != '=' && *c != '/') {
            key.push(c.to_ascii_lowercase());
        }
        if key.is_empty() {
            break;
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '=').is_some() {
            while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
            match chars.peek().map(|(_, c)| *c) {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                        value.push(c);
                    }
                }
            }
        }
        out.push((key, value));
    }
    out
}

fn unescape(v: &str) -> String {
    v.trim().replace("&amp;", "&").chars().take(2048).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn png_gif_bmp_sizes() {
        assert_eq!(parse(&png(180, 120)).map(|h| (h.format, h.width, h.height)), Some((Format::Png, 180, 120)));
        let gif = b"GIF89a\x10\x00\x20\x00\x00\x00\x00";
        assert_eq!(parse(gif).map(|h| (h.width, h.height)), Some((16, 32)));
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0; 16]);
        bmp.extend_from_slice(&150i32.to_le_bytes());
        bmp.extend_from_slice(&(-140i32).to_le_bytes());
        assert_eq!(parse(&bmp).map(|h| (h.width, h.height)), Some((150, 140)));
        assert_eq!(parse(&png(0, 10)), None, "a zero side is no image");
        assert_eq!(parse(&png(180, 120)[..20]), None, "truncated");
        assert_eq!(parse(b"<!doctype html><title>Access restricted</title>"), None);
    }

    #[test]
    fn jpeg_walks_to_the_frame_header() {
        // SOI, APP0 (length 16), SOF0 with height 480, width 640.
        let mut j = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        j.extend_from_slice(&[0; 14]);
        j.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03]);
        assert_eq!(parse(&j).map(|h| (h.format, h.width, h.height)), Some((Format::Jpeg, 640, 480)));
        // A DHT segment is no frame header.
        let dht = [0xff, 0xd8, 0xff, 0xc4, 0x00, 0x02, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x20];
        assert_eq!(parse(&dht).map(|h| (h.width, h.height)), Some((32, 16)));
    }

    #[test]
    fn webp_three_kinds() {
        let riff = |kind: &[u8], rest: &[u8]| {
            let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(rest);
            b
        };
        let lossy = riff(b"VP8 ", &[0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
        assert_eq!(parse(&lossy).map(|h| (h.width, h.height)), Some((320, 240)));
        // Width 100 and height 50, each less one, in 14 bits.
        let bits: u32 = 99 | (49 << 14);
        let mut l = vec![0x2f];
        l.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(parse(&riff(b"VP8L", &l)).map(|h| (h.width, h.height)), Some((100, 50)));
        let x = riff(b"VP8X", &[0, 0, 0, 0, 0xff, 0x01, 0x00, 0x7f, 0x00, 0x00]);
        assert_eq!(parse(&x).map(|h| (h.width, h.height)), Some((512, 128)));
    }

    #[test]
    fn ico_largest_entry_and_ambiguity() {
        let mut ico = vec![0, 0, 1, 0, 2, 0];
        ico.extend_from_slice(&[16, 16, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        ico.extend_from_slice(&[0, 0, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let h = parse(&ico).expect("an icon");
        assert_eq!((h.format, h.width, h.height, h.ambiguous), (Format::Ico, 256, 256, true));
        let one = [0, 0, 1, 0, 1, 0, 32, 32, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(parse(&one).map(|h| (h.width, h.ambiguous)), Some((32, false)));
    }

    #[test]
    fn links_og_image_and_icons_in_order() {
        let html = r#"<!doctype html><html><head><title>x</title>
            <link rel="stylesheet" href="/s.css">
            <LINK REL="shortcut icon" href='/favicon.png?v=1&amp;x=2'>
            <link href=/touch.png rel=apple-touch-icon sizes="180x180">
            <meta property="og:image" content="https://cdn.example/og.jpg" />
            <meta name="description" content="not an image">
            <link rel="icon" href="data:image/png;base64,AAAA">
            </head><body><link rel="icon" href="/late.png">"#;
        let got: Vec<(String, String)> = linked_images(html).into_iter().map(|l| (l.rel, l.href)).collect();
        assert_eq!(
            got,
            vec![
                ("og:image".into(), "https://cdn.example/og.jpg".into()),
                ("apple-touch-icon".into(), "/touch.png".into()),
                ("shortcut icon".into(), "/favicon.png?v=1&x=2".into()),
            ]
        );
        assert!(linked_images("<title>Access restricted</title><h1>blocked</h1>").is_empty());
        assert!(linked_images("<link rel=icon href=\"/x.png").len() <= 1, "unterminated tags do not panic");
    }
}
