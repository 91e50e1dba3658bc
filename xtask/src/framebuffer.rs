//! Reading a virtual display's screen without asking the X server: Xvfb started with
//! `-fbdir <dir>` keeps screen 0 in `<dir>/Xvfb_screen0`, an XWD image it maps into memory
//! and draws into, so reading that file is a capture.
//!
//! `bench-startup` captures while an app starts on the same 2 cores. ImageMagick's `import`
//! (a new process, the X server copying the screen, a PPM written to a pipe) took ~35 ms of
//! CPU per capture, back to back: close to half a core taken from the app being measured.
//! Reading the file and converting it takes a few milliseconds.

use std::path::Path;

/// The file Xvfb keeps screen 0 in, under its `-fbdir`.
pub const SCREEN_FILE: &str = "Xvfb_screen0";

/// The screen Xvfb keeps under `dir`, as binary PPM (`P6`, 8-bit RGB).
pub fn capture(dir: &Path) -> Result<Vec<u8>, String> {
    let path = dir.join(SCREEN_FILE);
    let xwd = std::fs::read(&path)
        .map_err(|error| format!("cannot read Xvfb's screen {}: {error}", path.display()))?;
    xwd_to_ppm(&xwd).map_err(|reason| format!("{}: {reason}", path.display()))
}

/// Converts an XWD image of a true-colour screen with 32 bits a pixel (what Xvfb keeps for
/// a 24-bit screen) to binary PPM.
pub fn xwd_to_ppm(xwd: &[u8]) -> Result<Vec<u8>, String> {
    let field = |index: usize| -> Result<u32, String> {
        xwd.get(index * 4..index * 4 + 4)
            .and_then(|bytes| bytes.try_into().ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| "the XWD header is cut short".to_owned())
    };
    let as_usize = |value: u32| usize::try_from(value).map_err(|_| "too large".to_owned());
    let header_size = as_usize(field(0)?)?;
    let (format, width, height) = (field(2)?, as_usize(field(4)?)?, as_usize(field(5)?)?);
    let (byte_order, bits_per_pixel, bytes_per_line) = (field(7)?, field(11)?, field(12)?);
    let (visual_class, masks) = (field(13)?, [field(14)?, field(15)?, field(16)?]);
    let colours = as_usize(field(19)?)?;
    const Z_PIXMAP: u32 = 2;
    const TRUE_COLOR: u32 = 4;
    const DIRECT_COLOR: u32 = 5;
    if format != Z_PIXMAP
        || bits_per_pixel != 32
        || !(visual_class == TRUE_COLOR || visual_class == DIRECT_COLOR)
    {
        return Err(format!(
            "not a 32-bit true-colour screen (format {format}, {bits_per_pixel} bits a pixel, \
             visual class {visual_class})"
        ));
    }
    let bytes_per_line = as_usize(bytes_per_line)?;
    if bytes_per_line < width * 4 {
        return Err(format!(
            "{bytes_per_line} bytes a line is too few for {width} pixels"
        ));
    }
    // Each colour is the bits of its mask, moved down to a byte.
    let shifts = masks.map(|mask| mask.trailing_zeros());
    let pixels = header_size + colours * 12;
    let end = pixels + bytes_per_line * height;
    let data = xwd.get(pixels..end).ok_or_else(|| {
        format!(
            "{} bytes, but {width}×{height} pixels end at byte {end}",
            xwd.len()
        )
    })?;
    let mut ppm = format!("P6\n{width} {height}\n255\n").into_bytes();
    ppm.reserve(width * height * 3);
    for line in data.chunks_exact(bytes_per_line) {
        for bytes in line[..width * 4].chunks_exact(4) {
            let bytes: [u8; 4] = [bytes[0], bytes[1], bytes[2], bytes[3]];
            let pixel = if byte_order == 0 {
                u32::from_le_bytes(bytes)
            } else {
                u32::from_be_bytes(bytes)
            };
            for (mask, shift) in masks.iter().zip(shifts) {
                ppm.push(((pixel & mask) >> shift) as u8);
            }
        }
    }
    Ok(ppm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An XWD image as Xvfb writes one (100-byte header, a window name, a colour map), with
    /// `pad` unused bytes after each line.
    fn xwd(width: u32, height: u32, pad: u32, little_endian: bool, pixels: &[u32]) -> Vec<u8> {
        let name = b"Xvfb test\0\0\0";
        let header_size = 100 + name.len() as u32;
        let bytes_per_line = width * 4 + pad;
        let colours = 2;
        let fields = [
            header_size,
            7,
            2,
            24,
            width,
            height,
            0,
            u32::from(!little_endian),
            32,
            0,
            32,
            32,
            bytes_per_line,
            4,
            0xff0000,
            0x00ff00,
            0x0000ff,
            8,
            256,
            colours,
            width,
            height,
            0,
            0,
            0,
        ];
        let mut out: Vec<u8> = fields.iter().flat_map(|f| f.to_be_bytes()).collect();
        out.extend_from_slice(name);
        out.extend(std::iter::repeat_n(0xaa, colours as usize * 12));
        for line in pixels.chunks(width as usize) {
            for pixel in line {
                if little_endian {
                    out.extend(pixel.to_le_bytes());
                } else {
                    out.extend(pixel.to_be_bytes());
                }
            }
            out.extend(std::iter::repeat_n(0xee, pad as usize));
        }
        out
    }

    #[test]
    fn a_screen_becomes_rgb_lines_without_their_padding() {
        let pixels = [0x00ff_0000, 0x0000_ff00, 0x0000_00ff, 0xff12_3456];
        for little_endian in [true, false] {
            let ppm = xwd_to_ppm(&xwd(2, 2, 8, little_endian, &pixels)).unwrap();
            let expected: Vec<u8> = b"P6\n2 2\n255\n"
                .iter()
                .copied()
                .chain([255, 0, 0, 0, 255, 0, 0, 0, 255, 0x12, 0x34, 0x56])
                .collect();
            assert_eq!(ppm, expected, "little endian: {little_endian}");
            assert_eq!(
                crate::app::ppm_layout(&ppm).map(|(width, pixel, _)| (width, pixel)),
                Some((2, 3))
            );
        }
    }

    #[test]
    fn a_cut_or_foreign_image_is_an_error_not_a_panic() {
        let whole = xwd(2, 2, 0, true, &[0; 4]);
        assert!(xwd_to_ppm(&whole[..whole.len() - 1]).is_err());
        assert!(xwd_to_ppm(&whole[..40]).is_err());
        let mut eight_bit = whole.clone();
        eight_bit[44..48].copy_from_slice(&8u32.to_be_bytes());
        assert!(xwd_to_ppm(&eight_bit).is_err());
    }
}
