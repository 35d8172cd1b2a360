//! The kiosk's look: the bundled DejaVu fonts (assets/fonts, Bitstream Vera licence), large
//! text and touch targets (at least 56 px high buttons), a light high-contrast theme.

use std::sync::Arc;

use eframe::egui::{self, FontData, FontDefinitions, FontFamily, FontId, TextStyle, Vec2};

static SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// Smallest height of anything staff press.
pub const TOUCH: f32 = 56.0;
/// Width of the main action buttons.
pub const BUTTON_WIDTH: f32 = 320.0;

pub const OK: egui::Color32 = egui::Color32::from_rgb(0x1b, 0x6e, 0x2a);
pub const BAD: egui::Color32 = egui::Color32::from_rgb(0xb0, 0x1e, 0x1e);
pub const WARN: egui::Color32 = egui::Color32::from_rgb(0x8a, 0x5a, 0x00);

/// Installs fonts and style on a context (once, at start).
pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("dejavu-sans".into(), Arc::new(FontData::from_static(SANS)));
    fonts.font_data.insert("dejavu-mono".into(), Arc::new(FontData::from_static(MONO)));
    if let Some(f) = fonts.families.get_mut(&FontFamily::Proportional) {
        f.insert(0, "dejavu-sans".into());
    }
    if let Some(f) = fonts.families.get_mut(&FontFamily::Monospace) {
        f.insert(0, "dejavu-mono".into());
    }
    ctx.set_fonts(fonts);
    ctx.set_theme(egui::Theme::Light);
    ctx.style_mut_of(egui::Theme::Light, |style| {
        use FontFamily::{Monospace, Proportional};
        style.text_styles = [
            (TextStyle::Heading, FontId::new(34.0, Proportional)),
            (TextStyle::Body, FontId::new(22.0, Proportional)),
            (TextStyle::Button, FontId::new(24.0, Proportional)),
            (TextStyle::Monospace, FontId::new(22.0, Monospace)),
            (TextStyle::Small, FontId::new(17.0, Proportional)),
        ]
        .into();
        style.spacing.button_padding = Vec2::new(20.0, 12.0);
        // Rows of text stay compact; buttons get their touch height from `screens::big`.
        style.spacing.interact_size = Vec2::new(40.0, 36.0);
        style.spacing.item_spacing = Vec2::new(12.0, 10.0);
        style.spacing.icon_width = 32.0;
        style.spacing.icon_width_inner = 20.0;
    });
}
