//! The images a lab site links the way real sites do, for ajar's outside view to find: most
//! pages name an `og:image` of some tens of kB (`/og.png`, a size of its own per host) and a
//! small icon (`/favicon.png`); some link only the icon, some nothing at all (then only
//! `/favicon.ico` exists, as on many real sites). Real PNGs (stored deflate blocks) and an
//! ICO wrapping one, so every browser decodes them.

/// What a host's page links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteImages {
    /// The `og:image`'s width and height, when the page names one.
    pub og: Option<(u32, u32)>,
    /// The page links `/favicon.png` in a `<link rel="icon">`.
    pub icon_link: bool,
}

/// The small icon's side (`/favicon.png`), and `/favicon.ico`'s.
pub const ICON_SIDE: u32 = 32;
pub const ICO_SIDE: u32 = 16;

fn hash(name: &str) -> u64 {
    // FNV-1a: stable across runs and platforms.
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Which images `host`'s page links: four in five name an `og:image` (96–159 × 96–143
/// pixels, 28–68 kB; the lab's control always); of the rest, half link an icon, half nothing.
pub fn of(host: &str) -> SiteImages {
    let h = hash(host);
    // The lab's web control always has one: the rate others are compared with.
    if h % 5 == 0 && !host.starts_with("control.") {
        return SiteImages { og: None, icon_link: (h >> 3) % 2 == 0 };
    }
    SiteImages { og: Some((96 + ((h >> 8) % 64) as u32, 96 + ((h >> 16) % 48) as u32)), icon_link: true }
}

/// The page's HTML head: its title and the images it links.
pub fn page(host: &str, title: &str, body: &str) -> String {
    let images = of(host);
    let mut head = format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>");
    if images.icon_link {
        head.push_str("<link rel=\"icon\" type=\"image/png\" sizes=\"32x32\" href=\"/favicon.png\">");
    }
    if images.og.is_some() {
        head.push_str("<meta property=\"og:image\" content=\"/og.png\">");
    }
    format!("{head}</head><body>{body}</body></html>")
}

/// Whether `path` is one of a site's images.
pub fn is_image_path(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    matches!(path, "/og.png" | "/favicon.png" | "/favicon.ico")
}

/// A site's image at `path` (content type and bytes), `None` if the site has none there.
/// `reencoded`: the same picture in other bytes (as a transparent proxy recompresses it).
pub fn asset(host: &str, path: &str, reencoded: bool) -> Option<(&'static str, Vec<u8>)> {
    let path = path.split('?').next().unwrap_or_default();
    let seed = hash(host) as u8;
    match path {
        "/og.png" => of(host).og.map(|(w, h)| ("image/png", png(w, h, seed, reencoded))),
        "/favicon.png" => Some(("image/png", png(ICON_SIDE, ICON_SIDE, seed, reencoded))),
        "/favicon.ico" => Some(("image/x-icon", ico(&png(ICO_SIDE, ICO_SIDE, seed, reencoded), ICO_SIDE))),
        _ => None,
    }
}

/// The size in bytes of `host`'s `og:image`, if it has one.
pub fn og_bytes(host: &str) -> Option<u32> {
    of(host).og.map(|(w, h)| png(w, h, 0, false).len() as u32)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for x in bytes {
        a = (a + u32::from(*x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// An RGB PNG of `w`×`h` in stored (uncompressed) deflate blocks: its size is predictable
/// (about 3 bytes a pixel). `reencoded` stores the same picture with a text chunk added.
pub fn png(w: u32, h: u32, seed: u8, reencoded: bool) -> Vec<u8> {
    let mut raw = Vec::with_capacity((h * (1 + 3 * w)) as usize);
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            let on = (x / 12 + y / 12) % 2 == 0;
            raw.extend_from_slice(&if on { [0xd0, seed, 0x40] } else { [0x30, 0x60, seed ^ 0xff] });
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    if reencoded {
        chunk(&mut out, b"tEXt", b"Software\0proxy.isp.test image optimiser");
    }
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// An icon file holding one PNG of `side`×`side`.
pub fn ico(png: &[u8], side: u32) -> Vec<u8> {
    let mut out = vec![0, 0, 1, 0, 1, 0];
    let s = if side >= 256 { 0 } else { side as u8 };
    out.extend_from_slice(&[s, s, 0, 0, 1, 0, 32, 0]);
    out.extend_from_slice(&(png.len() as u32).to_le_bytes());
    out.extend_from_slice(&22u32.to_le_bytes());
    out.extend_from_slice(png);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_what_their_headers_and_pages_say() {
        let mut with_og = 0;
        for i in 0..200 {
            let host = format!("s1-site-{i:04}.test");
            let page = page(&host, "lab site", "");
            let linked = ajar_core::image_header::linked_images(&page);
            match of(&host).og {
                Some((w, h)) => {
                    with_og += 1;
                    assert_eq!(linked[0].href, "/og.png");
                    let (_, bytes) = asset(&host, "/og.png", false).unwrap();
                    let head = ajar_core::image_header::parse(&bytes).unwrap();
                    assert_eq!((head.width, head.height), (w, h));
                    assert!((28_000..70_000).contains(&bytes.len()), "{}", bytes.len());
                    assert!(bytes.len() as u32 >= ajar_core::image_header::RATE_BYTES);
                    assert_eq!(og_bytes(&host), Some(bytes.len() as u32));
                    let (_, proxied) = asset(&host, "/og.png", true).unwrap();
                    assert_ne!(proxied, bytes);
                    let again = ajar_core::image_header::parse(&proxied).unwrap();
                    assert_eq!((again.width, again.height), (w, h));
                }
                None => assert!(linked.iter().all(|l| l.href == "/favicon.png")),
            }
            let (_, ico) = asset(&host, "/favicon.ico", false).unwrap();
            let head = ajar_core::image_header::parse(&ico).unwrap();
            assert_eq!((head.width, head.ambiguous), (ICO_SIDE, false));
            assert!(ico.len() < 2_000);
        }
        assert!((140..180).contains(&with_og), "{with_og} of 200 name an og:image");
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
