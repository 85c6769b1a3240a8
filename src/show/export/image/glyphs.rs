//! Text for bitmap pictures, laid out properly.
//!
//! plotters 0.3's ab_glyph text drops each glyph's side bearing and truncates its baseline, so
//! in a PNG a `.` sits half-way up and hugs the digit before it ("200·0 ms"). [`TypesetText`]
//! wraps a bitmap backend and draws text itself: glyphs placed at their advance, kerning and
//! bearing, on one baseline, with anti-aliased coverage, in DejaVu Sans or DejaVu Sans Bold as
//! the style asks. Everything else goes to the wrapped backend unchanged. (SVG pictures keep
//! text as text; the viewer lays it out.)

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// The face text in `style` is drawn in: DejaVu Sans Bold or DejaVu Sans, shipped in the binary.
fn face(style: FontStyle) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = match style {
        FontStyle::Bold => (&BOLD, dejavu::sans::bold()),
        _ => (&REGULAR, dejavu::sans::regular()),
    };
    cell.get_or_init(|| {
        FontRef::try_from_slice(bytes)
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is unreadable"))
    })
}

/// Glyphs of `text` in `face` at `size` px: each glyph id with its pen position, and the line's
/// width and height (ascent to descent). The baseline is at the line's ascent.
fn lay_out(face: &FontRef<'_>, text: &str, size: f32) -> (Vec<(GlyphId, f32)>, f32, f32) {
    let font = face.as_scaled(PxScale::from(size));
    let mut pen = 0.0_f32;
    let mut prev: Option<GlyphId> = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        glyphs.push((id, pen));
        pen += font.h_advance(id);
        prev = Some(id);
    }
    (glyphs, pen, font.ascent() - font.descent())
}

/// A drawing backend that typesets text itself (see the module docs).
pub struct TypesetText<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for TypesetText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (_, w, h) = lay_out(face(style.style()), text, style.size() as f32);
        Ok((w.ceil() as u32, h.ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size() as f32;
        let typeface = face(style.style());
        let font = typeface.as_scaled(PxScale::from(size));
        let (glyphs, width, height) = lay_out(typeface, text, size);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        // Whole-pixel offsets, rounded once: rounding each pixel's position instead would skip a
        // row or column wherever the fraction is one half.
        let (dx, dy) = (dx.round() as i32, dy.round() as i32);
        let transform = style.transform();
        let baseline = font.ascent();
        for (id, pen) in glyphs {
            let glyph = id.with_scale_and_position(PxScale::from(size), point(pen, baseline));
            let Some(outline) = typeface.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| pixels.push((x, y, coverage)));
            for (x, y, coverage) in pixels {
                if coverage <= 0.0 {
                    continue;
                }
                // px_bounds are whole pixels already.
                let gx = bounds.min.x as i32 + x as i32 + dx;
                let gy = bounds.min.y as i32 + y as i32 + dy;
                let (tx, ty) = transform.transform(gx, gy);
                self.0.draw_pixel(
                    (pos.0 + tx, pos.1 + ty),
                    BackendColor {
                        alpha: colour.alpha * f64::from(coverage.min(1.0)),
                        rgb: colour.rgb,
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_is_wider_and_kerning_keeps_order() {
        let regular = face(FontStyle::Normal);
        let (g, w1, h) = lay_out(regular, "200.0 ms", 15.0);
        let (_, w2, _) = lay_out(regular, "200.0 ms  ·  2.00x", 15.0);
        assert_eq!(g.len(), 8);
        assert!(w2 > w1 && w1 > 30.0 && h > 12.0, "{w1} {w2} {h}");
        assert!(g.windows(2).all(|p| p[1].1 > p[0].1), "pens advance");
    }

    #[test]
    fn bold_text_is_set_in_the_bold_face() {
        let (_, regular, _) = lay_out(face(FontStyle::Normal), "parlab timeline", 14.0);
        let (_, bold, _) = lay_out(face(FontStyle::Bold), "parlab timeline", 14.0);
        assert!(
            bold > regular * 1.05,
            "bold {bold} px, regular {regular} px"
        );
        assert!(std::ptr::eq(
            face(FontStyle::Normal),
            face(FontStyle::Italic)
        ));
    }
}
