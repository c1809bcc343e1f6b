//! The faces the kiosk and the display draw with. egui's built-in face is a light weight that
//! elderly applicants read badly at a kiosk and from across a waiting room, so DejaVu Sans
//! (regular and bold) is used when the system has it (Debian: `fonts-dejavu-core`); without
//! it, egui's own faces stay. [`bold`] text always works: its family is defined either way.

use std::sync::Arc;

use egui::{Color32, Context, FontData, FontDefinitions, FontFamily, FontId, Id, RichText};

const DEJAVU_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const BOLD: &str = "bold";

/// Installs the faces once per context; call it first thing in a frame (egui applies fonts
/// set before any text of the frame is laid out at once).
pub fn ensure(ctx: &Context) {
    let id = Id::unique("antrian-fonts");
    if ctx.data(|d| d.get_temp::<()>(id)).is_some() {
        return;
    }
    let (fonts, _) = definitions(std::path::Path::new(DEJAVU_DIR));
    ctx.set_fonts(fonts);
    ctx.data_mut(|d| d.insert_temp(id, ()));
}

/// egui's faces with DejaVu from `dir` put first, and the `bold` family.
fn definitions(dir: &std::path::Path) -> (FontDefinitions, bool) {
    let mut fonts = FontDefinitions::default();
    let mut bold = fonts.families.get(&FontFamily::Proportional).cloned().unwrap_or_default();
    let mut found = false;
    if let Ok(bytes) = std::fs::read(dir.join("DejaVuSans.ttf")) {
        fonts.font_data.insert("dejavu".into(), Arc::new(FontData::from_owned(bytes)));
        fonts.families.entry(FontFamily::Proportional).or_default().insert(0, "dejavu".into());
        bold.insert(0, "dejavu".into());
        found = true;
    }
    if let Ok(bytes) = std::fs::read(dir.join("DejaVuSans-Bold.ttf")) {
        fonts.font_data.insert("dejavu-bold".into(), Arc::new(FontData::from_owned(bytes)));
        bold.insert(0, "dejavu-bold".into());
    }
    fonts.families.insert(FontFamily::Name(BOLD.into()), bold);
    (fonts, found)
}

/// Bold text of `size` points (after [`ensure`]).
pub fn bold(text: impl Into<String>, size: f32) -> RichText {
    RichText::new(text).family(FontFamily::Name(BOLD.into())).size(size)
}

/// The width in points of `text` on one line, bold or regular, at `size` points.
pub fn text_width(ctx: &Context, text: &str, size: f32, bold: bool) -> f32 {
    let family = if bold { FontFamily::Name(BOLD.into()) } else { FontFamily::Proportional };
    ctx.fonts_mut(|f| f.layout_no_wrap(text.to_owned(), FontId::new(size, family), Color32::WHITE).size().x)
}

/// Bold text of at most `size` points, smaller where needed to stay on one line of `width`
/// points (a long number or counter name on a narrow screen shrinks instead of wrapping).
pub fn bold_fitting(ctx: &Context, text: impl Into<String>, size: f32, width: f32) -> RichText {
    let text = text.into();
    let measured = text_width(ctx, &text, size, true);
    // Glyph widths grow in proportion to the size; a little room for rounding.
    let size = if measured > width && measured > 0.0 { size * width * 0.98 / measured } else { size };
    // Never nothing at all (egui cannot draw text of size 0).
    bold(text, size.max(4.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_dejavu_the_bold_family_still_exists_and_egui_faces_stay() {
        let empty = std::env::temp_dir().join("antrian-no-fonts-here");
        let (fonts, found) = definitions(&empty);
        assert!(!found);
        let bold = &fonts.families[&FontFamily::Name(BOLD.into())];
        assert_eq!(bold, &FontDefinitions::default().families[&FontFamily::Proportional]);
    }

    #[test]
    fn with_dejavu_it_comes_first() {
        let dir = std::path::Path::new(DEJAVU_DIR);
        if !dir.join("DejaVuSans-Bold.ttf").exists() {
            crate::skip::missing(
                "the DejaVu fonts are not installed",
                "Debian: apt-get install fonts-dejavu-core",
            );
            return;
        }
        let (fonts, found) = definitions(dir);
        assert!(found);
        assert_eq!(fonts.families[&FontFamily::Name(BOLD.into())][0], "dejavu-bold");
        assert_eq!(fonts.families[&FontFamily::Proportional][0], "dejavu");
    }
}
