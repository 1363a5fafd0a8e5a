//! Grafana's colour names (dark theme), its classic palette and the CSS colour names, as
//! `createVisualizationColors.ts` lists them.

/// The hues, each with its shades: super-light, light, base, semi-dark, dark (dark theme).
pub(super) const HUES: [(&str, [u32; 5]); 6] = [
    ("red", [0xFFA6B0, 0xFF7383, 0xF2495C, 0xE02F44, 0xC4162A]),
    ("orange", [0xFFCB7D, 0xFFB357, 0xFF9830, 0xFF780A, 0xFA6400]),
    ("yellow", [0xFFF899, 0xFFEE52, 0xFADE2A, 0xF2CC0C, 0xE0B400]),
    ("green", [0xC8F2C2, 0x96D98D, 0x73BF69, 0x56A64B, 0x37872D]),
    ("blue", [0xC0D8FF, 0x8AB8FF, 0x5794F2, 0x3274D9, 0x1F60C4]),
    ("purple", [0xDEB6F2, 0xCA95E5, 0xB877D9, 0xA352CC, 0x8F3BB8]),
];

/// A Grafana shade name (`red`, `dark-red`, `super-light-green`…) as `0xRRGGBB`. Exact names only:
/// Grafana's lookup is case-sensitive (`Red` is the CSS red).
pub(super) fn shade(name: &str) -> Option<u32> {
    let (idx, hue) = if let Some(h) = name.strip_prefix("super-light-") {
        (0, h)
    } else if let Some(h) = name.strip_prefix("light-") {
        (1, h)
    } else if let Some(h) = name.strip_prefix("semi-dark-") {
        (3, h)
    } else if let Some(h) = name.strip_prefix("dark-") {
        (4, h)
    } else {
        (2, name)
    };
    HUES.iter()
        .find(|(n, _)| *n == hue)
        .and_then(|(_, s)| s.get(idx).copied())
}

/// Grafana's classic palette, in its order (`getClassicPalette`).
pub const CLASSIC_PALETTE: [&str; 64] = [
    "green",
    "yellow",
    "blue",
    "orange",
    "red",
    "purple",
    "dark-green",
    "dark-yellow",
    "dark-blue",
    "dark-orange",
    "dark-red",
    "dark-purple",
    "super-light-green",
    "super-light-yellow",
    "super-light-blue",
    "super-light-orange",
    "super-light-red",
    "super-light-purple",
    "#447EBC",
    "#C15C17",
    "#890F02",
    "#0A437C",
    "#6D1F62",
    "#584477",
    "#B7DBAB",
    "#F4D598",
    "#70DBED",
    "#F9BA8F",
    "#F29191",
    "#82B5D8",
    "#E5A8E2",
    "#AEA2E0",
    "#629E51",
    "#E5AC0E",
    "#64B0C8",
    "#E0752D",
    "#BF1B00",
    "#0A50A1",
    "#962D82",
    "#614D93",
    "#9AC48A",
    "#F2C96D",
    "#65C5DB",
    "#F9934E",
    "#EA6460",
    "#5195CE",
    "#D683CE",
    "#806EB7",
    "#3F6833",
    "#967302",
    "#2F575E",
    "#99440A",
    "#58140C",
    "#052B51",
    "#511749",
    "#3F2B5B",
    "#E0F9D7",
    "#FCEACA",
    "#CFFAFF",
    "#F9E2D2",
    "#FCE2DE",
    "#BADFF4",
    "#F9D9F9",
    "#DEDAF7",
];

/// CSS colour names with Grafana's values (`nativeColorNames`), `name:rrggbb` separated by commas.
const CSS: &str =
    "aliceblue:f0f8ff,antiquewhite:faebd7,aqua:00ffff,aquamarine:7fffd4,azure:f0ffff,\
beige:f5f5dc,bisque:ffe4c4,black:000000,blanchedalmond:ffebcd,blue:0000ff,blueviolet:8a2be2,\
brown:a52a2a,burlywood:deb887,cadetblue:5f9ea0,chartreuse:7fff00,chocolate:d2691e,coral:ff7f50,\
cornflowerblue:6495ed,cornsilk:fff8dc,crimson:dc143c,cyan:00ffff,darkblue:00008b,darkcyan:008b8b,\
darkgoldenrod:b8860b,darkgray:a9a9a9,darkgreen:006400,darkkhaki:bdb76b,darkmagenta:8b008b,\
darkolivegreen:556b2f,darkorange:ff8c00,darkorchid:9932cc,darkred:8b0000,darksalmon:e9967a,\
darkseagreen:8fbc8f,darkslateblue:483d8b,darkslategray:2f4f4f,darkturquoise:00ced1,\
darkviolet:9400d3,deeppink:ff1493,deepskyblue:00bfff,dimgray:696969,dodgerblue:1e90ff,\
firebrick:b22222,floralwhite:fffaf0,forestgreen:228b22,fuchsia:ff00ff,gainsboro:dcdcdc,\
ghostwhite:f8f8ff,gold:ffd700,goldenrod:daa520,gray:808080,green:008000,greenyellow:adff2f,\
honeydew:f0fff0,hotpink:ff69b4,indigo:4b0082,ivory:fffff0,khaki:f0e68c,lavender:e6e6fa,\
lavenderblush:fff0f5,lawngreen:7cfc00,lemonchiffon:fffacd,lightblue:add8e6,lightcoral:f08080,\
lightcyan:e0ffff,lightgoldenrodyellow:fafad2,lightgrey:d3d3d3,lightgreen:90ee90,lightpink:ffb6c1,\
lightsalmon:ffa07a,lightseagreen:20b2aa,lightskyblue:87cefa,lightslategray:778899,\
lightsteelblue:b0c4de,lightyellow:ffffe0,lime:00ff00,limegreen:32cd32,linen:faf0e6,\
magenta:ff00ff,maroon:800000,mediumaquamarine:66cdaa,mediumblue:0000cd,mediumorchid:ba55d3,\
mediumpurple:9370d8,mediumseagreen:3cb371,mediumslateblue:7b68ee,mediumspringgreen:00fa9a,\
mediumturquoise:48d1cc,mediumvioletred:c71585,midnightblue:191970,mintcream:f5fffa,\
mistyrose:ffe4e1,moccasin:ffe4b5,navajowhite:ffdead,navy:000080,oldlace:fdf5e6,olive:808000,\
olivedrab:6b8e23,orange:ffa500,orangered:ff4500,orchid:da70d6,palegoldenrod:eee8aa,\
palegreen:98fb98,paleturquoise:afeeee,palevioletred:d87093,papayawhip:ffefd5,peachpuff:ffdab9,\
peru:cd853f,pink:ffc0cb,plum:dda0dd,powderblue:b0e0e6,purple:800080,rebeccapurple:663399,\
red:ff0000,rosybrown:bc8f8f,royalblue:4169e1,saddlebrown:8b4513,salmon:fa8072,\
sandybrown:f4a460,seagreen:2e8b57,seashell:fff5ee,sienna:a0522d,silver:c0c0c0,skyblue:87ceeb,\
slateblue:6a5acd,slategray:708090,snow:fffafa,springgreen:00ff7f,steelblue:4682b4,tan:d2b48c,\
teal:008080,thistle:d8bfd8,tomato:ff6347,turquoise:40e0d0,violet:ee82ee,wheat:f5deb3,\
white:ffffff,whitesmoke:f5f5f5,yellow:ffff00,yellowgreen:9acd32";

/// A CSS colour name (already lowercased) as `0xRRGGBB`.
pub(super) fn css(name: &str) -> Option<u32> {
    CSS.split(',').find_map(|e| {
        let (n, hex) = e.split_once(':')?;
        (n == name)
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    })
}
