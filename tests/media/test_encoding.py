"""`GetEnc` answers as firmware writes them: current, old (no `vType`), broken."""

from __future__ import annotations

from bridge.reolink.encoding import parse_enc


def test_current_firmware_with_an_ext_stream() -> None:
    value = {
        "Enc": {
            "audio": 1,
            "mainStream": {"vType": "H265", "width": 3840, "height": 2160, "frameRate": 25,
                           "bitRate": 6144, "gop": 2, "profile": "High"},
            "subStream": {"vType": "h264", "size": "640*360", "frameRate": 10, "bitRate": 256},
            "extStream": {"vType": "h264", "width": 1280, "height": 720, "frameRate": 15},
        }
    }  # fmt: skip
    main, sub, ext = parse_enc(value)
    assert (main.name, main.codec, main.codec_reported, main.browser_playable) == (
        "main", "h265", True, False,
    )  # fmt: skip
    assert (sub.width, sub.height, sub.audio, sub.browser_playable) == (640, 360, True, True)
    assert (ext.name, ext.width, ext.frame_rate, ext.gop) == ("ext", 1280, 15, None)


def test_old_firmware_without_vtype_is_h264_and_garbage_is_skipped() -> None:
    old = parse_enc({"Enc": {"audio": 0, "mainStream": {"size": "2560*1440", "frameRate": 20}}})
    assert [(s.codec, s.codec_reported, s.width, s.audio) for s in old] == [
        ("h264", False, 2560, False)
    ]
    assert (
        parse_enc({"Enc": {"mainStream": "broken", "subStream": {"size": "x*y"}}})[0].width is None
    )
    assert parse_enc({}) == []
    assert parse_enc({"Enc": []}) == []
