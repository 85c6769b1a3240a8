//! The one colour of each approach family, shared by every picture parlab draws (the PNG and
//! SVG charts, the HTML report's bars), so a family looks the same wherever it is shown.
//!
//! Okabe–Ito colours, told apart with colour-blindness too.

use super::Family;

impl Family {
    /// This family's colour as red, green and blue.
    pub const fn colour(self) -> (u8, u8, u8) {
        match self {
            Family::Sequential => (0x80, 0x80, 0x80),
            Family::Thread => (0x00, 0x72, 0xB2),
            Family::Async => (0xE6, 0x9F, 0x00),
            Family::Process => (0xCC, 0x79, 0xA7),
        }
    }

    /// This family's colour as a CSS/SVG hex colour, e.g. `#0072b2`.
    pub fn hex(self) -> String {
        let (r, g, b) = self.colour();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_differ_and_hex_spells_the_triple() {
        let all = [
            Family::Sequential,
            Family::Thread,
            Family::Async,
            Family::Process,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.colour(), b.colour(), "{a:?} and {b:?}");
            }
        }
        assert_eq!(Family::Thread.hex(), "#0072b2");
        assert_eq!(Family::Async.hex(), "#e69f00");
    }
}
