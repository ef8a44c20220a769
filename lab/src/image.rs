//! The lab's known image: an uncompressed 24-bit BMP, so its size in bytes is
//! exact and predictable (a throttled download of it takes bytes / rate).

pub const WIDTH: u32 = 150;
pub const HEIGHT: u32 = 140;

/// A BMP of `WIDTH`×`HEIGHT` (about 63 kB), striped so it is plainly an image.
pub fn bmp() -> Vec<u8> {
    encode(24)
}

/// The same picture at 16 bits a pixel (5-5-5): what an image-recompressing proxy serves,
/// other bytes (about 42 kB) and the same dimensions.
pub fn bmp_16bit() -> Vec<u8> {
    encode(16)
}

/// The striped picture as an uncompressed BMP of `bits` (16 or 24) a pixel.
fn encode(bits: u16) -> Vec<u8> {
    let bytes = u32::from(bits / 8);
    let row = (WIDTH * bytes).div_ceil(4) * 4;
    let data_len = row * HEIGHT;
    let mut out = Vec::with_capacity(54 + data_len as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(54 + data_len).to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(WIDTH as i32).to_le_bytes());
    out.extend_from_slice(&(HEIGHT as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let grey: u8 = if (y / 10 + x / 10) % 2 == 0 { 0xd0 } else { 0x30 };
            if bits == 24 {
                out.extend_from_slice(&[grey; 3]);
            } else {
                let g = u16::from(grey >> 3);
                out.extend_from_slice(&((g << 10) | (g << 5) | g).to_le_bytes());
            }
        }
        out.resize(out.len() + (row - WIDTH * bytes) as usize, 0);
    }
    out
}

/// Size in bytes of [`bmp`].
pub fn bmp_len() -> u32 {
    54 + (WIDTH * 3).div_ceil(4) * 4 * HEIGHT
}

#[cfg(test)]
mod tests {
    #[test]
    fn length_is_as_announced() {
        assert_eq!(super::bmp().len() as u32, super::bmp_len());
        let proxied = super::bmp_16bit();
        assert_ne!(proxied.len(), super::bmp().len());
        assert_eq!(proxied[18..26], super::bmp()[18..26], "the same width and height");
    }
}
