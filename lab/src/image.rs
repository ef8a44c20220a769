//! The lab's known image: an uncompressed 24-bit BMP, so its size in bytes is
//! exact and predictable (a throttled download of it takes bytes / rate).

pub const WIDTH: u32 = 150;
pub const HEIGHT: u32 = 140;

/// A BMP of `WIDTH`×`HEIGHT` (about 63 kB), striped so it is plainly an image.
pub fn bmp() -> Vec<u8> {
    let row = (WIDTH * 3).div_ceil(4) * 4;
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
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    for y in 0..HEIGHT {
        for x in 0..row {
            out.push(if x < WIDTH * 3 && (y / 10 + x / 30) % 2 == 0 { 0xd0 } else { 0x30 });
        }
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
    }
}
