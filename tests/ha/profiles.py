"""The simulator's device profiles as `Capabilities`, written by hand from their descriptions, and
the Home Assistant entities each camera view must get (and no other).

Used by tests/ha/ (Home Assistant's schemas) and tests/mqtt/test_discovery*.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities, StorageInfo
from bridge.domain.values import DetectionType, DeviceKind

PERSON, VEHICLE, PET = DetectionType.PERSON, DetectionType.VEHICLE, DetectionType.PET
SD_CARD = StorageInfo(number=0, capacity_mb=122_000, free_mb=61_000, storage_type="sd")
HDD = StorageInfo(number=0, capacity_mb=1_907_200, free_mb=1_000_000, storage_type="hdd")
HOST = "192.168.77.10"
PASSWORD = "s3cr3t-Pässword"  # a test value that must never reach a payload

V20_TOGGLES = {"recording": True, "push": True, "email": True, "ftp": True}
IMAGE = {"image_settings": True, "day_night": True, "md_sensitivity": True}

IMAGE_KEYS = {f"image_{f}" for f in ("brightness", "contrast", "saturation", "sharpness", "hue")}
TOGGLE_KEYS = {"recording", "push", "email", "ftp"}
SETTINGS_KEYS = {"day_night", "motion_sensitivity"} | IMAGE_KEYS
SNAPSHOT_KEYS = {"snapshot", "last_snapshot"}
DEVICE_KEYS = {"reboot", "storage"}

# The features added through the table alone (issue 9, point 3).
ADDED = {"md_enable": True}
ADDED_KEYS = {"motion_detection"}
SPEAKER = {"audio_alarm": True, "volume": True}
SPEAKER_KEYS = {"audio_alarm", "volume"}


def ai_sensitivity(*kinds: DetectionType) -> set[str]:
    return {f"ai_sensitivity_{kind.value}" for kind in kinds}


@dataclass(frozen=True)
class Profile:
    key: str
    camera: Camera
    caps: Capabilities
    expected: dict[str, set[str]] = field(default_factory=dict)
    """camera_id of each view -> the entity keys it must have."""


def _camera(camera_id: str, name: str) -> Camera:
    return Camera(id=camera_id, name=name, host=HOST, password=PASSWORD)


def floodlight() -> Profile:
    caps = Capabilities(
        model="RLC-811A",
        name="Driveway",
        serial="00000000000000",
        uid="95270000ABCD1234",
        mac="EC:71:DB:12:34:56",
        firmware="v3.1.0.2368_23062508",
        hardware="IPC_523128M8MP",
        channels=[
            ChannelCapabilities(
                channel=0,
                name="Driveway",
                model="RLC-811A",
                ai_types=[PERSON, VEHICLE, PET],
                siren=True,
                floodlight=True,
                floodlight_brightness=True,
                ir_lights=True,
                status_led=True,
                **V20_TOGGLES,
                **IMAGE,
                **ADDED,
                **SPEAKER,
                hdr=True,
                ai_sensitivity=True,
            )
        ],
        storage=[SD_CARD],
        schedule_v20=True,
        get_events=True,
        ai_state=True,
    )
    keys = {"motion", "person", "vehicle", "pet", "detection", "last_event", "event_source"}
    keys |= {"siren", "floodlight", "floodlight_mode", "ir_lights", "status_led"}
    keys |= ADDED_KEYS | SPEAKER_KEYS | {"hdr"} | ai_sensitivity(PERSON, VEHICLE, PET)
    keys |= TOGGLE_KEYS | SETTINGS_KEYS | SNAPSHOT_KEYS | DEVICE_KEYS
    return Profile("floodlight", _camera("driveway", "Driveway"), caps, {"driveway": keys})


def ptz() -> Profile:
    caps = Capabilities(
        model="RLC-823A",
        name="Yard PTZ",
        uid="95270000PTZ00823",
        mac="EC:71:DB:00:08:23",
        firmware="v3.1.0.1162_22071401",
        hardware="IPC_523128M8MP",
        channels=[
            ChannelCapabilities(
                channel=0,
                name="Yard PTZ",
                model="RLC-823A",
                ai_types=[PERSON, VEHICLE],
                siren=True,
                ir_lights=True,
                status_led=True,
                pan_tilt=True,
                zoom=True,
                ptz_presets=["Gate", "Driveway", "Porch"],
                ptz_patrol=True,
                **V20_TOGGLES,
                **IMAGE,
                **ADDED,
                autofocus=True,
                focus=True,
                ptz_guard=True,
            )
        ],
        storage=[SD_CARD],
        schedule_v20=True,
        ai_state=True,
    )
    keys = {"motion", "person", "vehicle", "detection", "last_event", "event_source"}
    keys |= {"siren", "ir_lights", "status_led"}
    keys |= {f"ptz_{op}" for op in ("left", "right", "up", "down", "zoom_in", "zoom_out", "stop")}
    keys |= {"ptz_preset", "zoom", "ptz_patrol", "autofocus", "focus"}
    keys |= {"ptz_guard", "ptz_guard_goto", "ptz_guard_set"} | ADDED_KEYS
    keys |= TOGGLE_KEYS | SETTINGS_KEYS | SNAPSHOT_KEYS | DEVICE_KEYS
    return Profile("ptz", _camera("yard", ""), caps, {"yard": keys})


def doorbell(wifi: bool = False) -> Profile:
    model = "D340W" if wifi else "D340P"
    caps = Capabilities(
        model=model,
        name="Front Door",
        uid="95270000DB340" + ("W01" if wifi else "P01"),
        mac="EC:71:DB:34:0D:" + ("02" if wifi else "01"),
        firmware="v3.0.0.2356_23062000",
        hardware="DB_566128M5MP_" + ("W" if wifi else "P"),
        kind=DeviceKind.DOORBELL,
        channels=[
            ChannelCapabilities(
                channel=0,
                name="Front Door",
                model=model,
                ai_types=[PERSON],
                visitor=True,
                ir_lights=True,
                status_led=True,
                status_led_doorbell=True,
                volume=True,
                **V20_TOGGLES,
                **IMAGE,
                **ADDED,
            )
        ],
        storage=[SD_CARD],
        wifi=wifi,
        schedule_v20=True,
        get_events=True,
        ai_state=True,
    )
    keys = {"motion", "person", "visitor", "detection", "doorbell", "last_event", "event_source"}
    keys |= {"ir_lights", "status_led", "doorbell_led", "volume"} | ADDED_KEYS
    keys |= TOGGLE_KEYS | SETTINGS_KEYS | SNAPSHOT_KEYS | DEVICE_KEYS
    if wifi:
        keys.add("wifi_signal")
    camera_id = "back_door" if wifi else "front_door"
    return Profile(
        "doorbell_wifi" if wifi else "doorbell",
        _camera(camera_id, "Back Door" if wifi else "Front Door"),
        caps,
        {camera_id: keys},
    )


def legacy() -> Profile:
    caps = Capabilities(
        model="RLC-410",
        name="Garage",
        uid="95270000LEGACY41",
        mac="EC:71:DB:04:10:00",
        firmware="v2.0.0.1441_19032101",
        hardware="IPC_51316M",
        channels=[
            ChannelCapabilities(
                channel=0, name="Garage", model="RLC-410", ir_lights=True, **V20_TOGGLES, **ADDED
            )
        ],
        storage=[SD_CARD],
    )
    keys = {"motion", "detection", "last_event", "event_source", "ir_lights"} | ADDED_KEYS
    keys |= TOGGLE_KEYS | SNAPSHOT_KEYS | DEVICE_KEYS
    return Profile("legacy", _camera("garage", "Garage"), caps, {"garage": keys})


def nvr() -> Profile:
    def channel(
        number: int, name: str, model: str, uid: str, **features: object
    ) -> ChannelCapabilities:
        return ChannelCapabilities.model_validate(
            {
                "channel": number,
                "name": name,
                "model": model,
                "uid": uid,
                "firmware": "v3.1.0.1643_22122712",
                "ir_lights": True,
                **V20_TOGGLES,
                **IMAGE,
                **features,
            }
        )

    channels = [
        channel(
            0,
            "Front Yard",
            "RLC-810A",
            "95270000NVRCH0A1",
            ai_types=[PERSON, VEHICLE, PET],
            status_led=True,
        ),
        channel(1, "Back Yard", "RLC-520A", "95270000NVRCH1B2", ai_types=[PERSON, VEHICLE]),
        channel(
            2,
            "Side Gate",
            "RLC-811A",
            "95270000NVRCH2C3",
            ai_types=[PERSON, VEHICLE, PET],
            floodlight=True,
            floodlight_brightness=True,
            siren=True,
            status_led=True,
        ),
    ]
    channels += [
        ChannelCapabilities(channel=n, online=False, motion=False, snapshot=False)
        for n in range(3, 8)
    ]
    caps = Capabilities(
        model="RLN8-410",
        name="NVR",
        serial="NVR0000000001",
        uid="95270000NVR84100",
        mac="EC:71:DB:84:10:00",
        firmware="v3.3.0.226_23031644",
        hardware="H3MB18",
        device_type="NVR",
        kind=DeviceKind.NVR,
        channel_count=8,
        channels=channels,
        storage=[HDD],
        schedule_v20=True,
        get_events=True,
        ai_state=True,
    )
    camera_keys = (
        TOGGLE_KEYS
        | SETTINGS_KEYS
        | SNAPSHOT_KEYS
        | {"ir_lights", "detection", "last_event", "event_source", "motion"}
    )
    expected = {
        "nvr": {"reboot", "storage"},
        "nvr_ch0": camera_keys | {"person", "vehicle", "pet", "status_led"},
        "nvr_ch1": camera_keys | {"person", "vehicle"},
        "nvr_ch2": camera_keys
        | {"person", "vehicle", "pet", "status_led", "siren", "floodlight", "floodlight_mode"},
    }
    return Profile("nvr", _camera("nvr", "NVR"), caps, expected)


def battery() -> Profile:
    """A Home Hub (Wi-Fi) with a battery Argus: battery, charging, sleep, PIR."""
    argus = ChannelCapabilities(
        channel=0,
        name="Backyard Argus",
        model="Argus 4 Pro",
        uid="95270000HUBCH0D4",
        firmware="v3.0.0.3980_24061902",
        ai_types=[PERSON, VEHICLE, PET],
        siren=True,
        ir_lights=True,
        battery=True,
        pir=True,
        **V20_TOGGLES,
        **ADDED,
        **SPEAKER,
    )
    caps = Capabilities(
        model="Reolink Home Hub",
        name="Home Hub",
        serial="HUB000000001",
        uid="95270000HOMEHUB1",
        mac="EC:71:DB:0B:0B:01",
        firmware="v3.3.0.369_24081905",
        hardware="BASE_WENNT6NA5",
        device_type="HOMEHUB",
        kind=DeviceKind.NVR,
        channel_count=8,
        channels=[
            argus,
            *(
                ChannelCapabilities(channel=n, online=False, motion=False, snapshot=False)
                for n in range(1, 8)
            ),
        ],
        storage=[SD_CARD],
        wifi=True,
        schedule_v20=True,
        get_events=True,
        ai_state=True,
    )
    argus_keys = {
        "motion",
        "person",
        "vehicle",
        "pet",
        "detection",
        "last_event",
        "event_source",
        "siren",
    }
    argus_keys |= {"ir_lights", "battery_level", "battery_charging", "sleeping"}
    argus_keys |= {"pir", "pir_sensitivity"} | SPEAKER_KEYS | ADDED_KEYS
    argus_keys |= TOGGLE_KEYS | SNAPSHOT_KEYS
    expected = {"hub": DEVICE_KEYS | {"wifi_signal"}, "hub_ch0": argus_keys}
    return Profile("battery", _camera("hub", "Home Hub"), caps, expected)


def all_profiles() -> list[Profile]:
    return [floodlight(), ptz(), doorbell(), doorbell(wifi=True), legacy(), nvr(), battery()]
