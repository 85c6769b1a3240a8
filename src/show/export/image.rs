//! The pictures parlab draws (the bar chart, the timeline, the sweep chart) as SVG or PNG bytes.
//!
//! A picture only says how big it is and how to draw itself on any plotters backend
//! ([`Picture`]); [`render`] does the rest the same way for all of them: registers the fonts,
//! picks the backend, and encodes the PNG. Text is DejaVu Sans from the `dejavu` crate, compiled
//! into parlab: no system font is needed (or used), so a picture comes out the same on every
//! machine. In a PNG, text is typeset by the `glyphs` submodule, because plotters' own bitmap
//! text misplaces glyphs.

mod glyphs;

use std::sync::Once;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use self::glyphs::TypesetText;

/// The font family every picture's text uses, as plotters knows it.
pub const FONT: &str = "sans-serif";

pub use crate::show::settings::ImageFormat;

/// What drawing on a backend `DB` returns.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Something [`render`] can draw.
pub trait Picture {
    /// Width and height, pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the whole picture on `root`, which is [`Picture::size`] big; [`render`] presents it.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Makes the embedded DejaVu Sans (regular and bold) plotters' [`FONT`] (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (style, bytes) in [
            (FontStyle::Normal, dejavu::sans::regular()),
            (FontStyle::Bold, dejavu::sans::bold()),
        ] {
            // The bytes are a font shipped in the binary: failing to read them is a build defect.
            plotters::style::register_font(FONT, style, bytes)
                .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is unreadable"));
        }
    });
}

/// `picture` drawn in `format`: an SVG document or a PNG file's bytes.
pub fn render(picture: &impl Picture, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    register_fonts();
    let (w, h) = picture.size();
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                picture
                    .draw(&root)
                    .and_then(|()| root.present())
                    .map_err(|e| anyhow!("drawing the SVG image: {e}"))?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut rgb = vec![255u8; w as usize * h as usize * 3];
            {
                let backend = BitMapBackend::with_buffer(&mut rgb, (w, h));
                let root = TypesetText(backend).into_drawing_area();
                picture
                    .draw(&root)
                    .and_then(|()| root.present())
                    .map_err(|e| anyhow!("drawing the PNG image: {e}"))?;
            }
            encode_png(&rgb, (w, h))
        }
    }
}

/// RGB pixels as PNG bytes.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("encoding the PNG image")?;
    writer
        .write_image_data(rgb)
        .context("encoding the PNG image")?;
    writer.finish().context("encoding the PNG image")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A black square in a white frame.
    struct Square;

    impl Picture for Square {
        fn size(&self) -> (u32, u32) {
            (30, 20)
        }

        fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
            root.fill(&WHITE)?;
            root.draw(&Rectangle::new([(10, 5), (20, 15)], BLACK.filled()))
        }
    }

    #[test]
    fn both_formats_draw_the_picture_at_its_size() {
        let svg = String::from_utf8(render(&Square, ImageFormat::Svg).unwrap()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(doc.root_element().attribute("width"), Some("30"));
        assert_eq!(doc.root_element().attribute("height"), Some("20"));
        let png = render(&Square, ImageFormat::Png).unwrap();
        let img = ::image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (30, 20));
        assert_eq!(img.get_pixel(15, 10).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(2, 2).0, [255, 255, 255]);
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(
            ImageFormat::from_path("a/b.PNG".as_ref()),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            ImageFormat::from_path("b.svg".as_ref()),
            Some(ImageFormat::Svg)
        );
        assert_eq!(ImageFormat::from_path("b.jpg".as_ref()), None);
        assert_eq!(ImageFormat::from_path("b".as_ref()), None);
    }
}
