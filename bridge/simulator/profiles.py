"""Device profiles of the camera simulator, as data.

A profile describes one physical product: what ``GetDevInfo`` says about it, which channels it
has (a camera has one, an NVR several), which commands its firmware knows and which abilities
``GetAbility`` advertises.  Everything is frozen; the mutable state a device keeps lives in
:mod:`bridge.simulator.state`.

Models, hardware and firmware strings follow real Reolink products (firmware in the
``v<major>.<middle>.<minor>.<build>_<yymmddNN>`` format that reolink_aio parses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bridge.reolink.baichuan.crypto import Encryption

#: The AI object classes the Reolink API knows (``GetAiState`` / ``GetEvents`` keys).
AI_TYPES: tuple[str, ...] = ("people", "vehicle", "dog_cat", "face", "package")


@dataclass(frozen=True, slots=True)
class PtzPreset:
    """A stored PTZ position."""

    id: int
    name: str
    pan: int
    tilt: int
    zoom: int


@dataclass(frozen=True, slots=True)
class ChannelProfile:
    """The camera behind one channel (the camera itself for a standalone IPC)."""

    model: str
    hard_ver: str
    firm_ver: str
    name: str
    online: bool = True
    ai_types: frozenset[str] = frozenset()
    doorbell: bool = False
    floodlight: bool = False
    siren: bool = False
    ir_lights: bool = True
    status_led: bool = False
    ptz_type: int = 0  # GetAbility ptzType: 0 none, 2 pan/tilt/zoom
    zoom: bool = False
    zoom_max: int = 33
    focus_max: int = 223
    presets: tuple[PtzPreset, ...] = ()
    main_size: tuple[int, int] = (3840, 2160)
    sub_size: tuple[int, int] = (640, 360)
    main_codec: str = "h265"
    main_fps: int = 25
    main_bitrate: int = 6144
    audio: bool = True
    mask: bool = True
    isp_adjust: bool = True  # ispBright/ispContrast/... -> GetImage is polled
    hdr: bool = False
    ai_sensitivity: bool = False
    battery: bool = False
    uid_suffix: str = ""

    @property
    def has_ptz(self) -> bool:
        return self.ptz_type != 0

    def abilities(self, legacy: bool = False) -> dict[str, dict[str, int]]:
        """The ``abilityChn`` entry ``GetAbility`` reports for this channel."""
        rw = 6  # permit bits read+modify
        ab: dict[str, int] = {
            "recReplay": 1,
            "recCfg": 1,
            "recDownload": 1,
            "snap": 1,
            "mask": 1 if self.mask else 0,
            "osd": 1,
            "image": 1,
            "isp": 1,
            "enc": 1,
            "live": 2,
            "mainEncType": 1 if self.main_codec == "h265" else 0,
            "ptzType": self.ptz_type,
            "ptzCtrl": 1 if self.has_ptz else 0,
            "ptzPreset": 1 if self.presets else 0,
            "ptzPatrol": 1 if self.has_ptz else 0,
            "supportPtzSpeed": 1 if self.has_ptz else 0,
            "supportPtzCalibration": 1 if self.has_ptz else 0,
            "disableAutoFocus": 1 if self.zoom else 0,
            "ledControl": 1 if self.ir_lights else 0,
            "powerLed": 1 if self.status_led and not self.doorbell else 0,
            "supportDoorbellLight": 1 if self.doorbell else 0,
            "floodLight": 1 if self.floodlight else 0,
            "supportFLswitch": 1 if self.floodlight else 0,
            "supportFLBrightness": 1 if self.floodlight else 0,
            "supportFLSchedule": 1 if self.floodlight else 0,
            "supportFLKeepOn": 1 if self.floodlight else 0,
            "alarmAudio": 1 if self.siren else 0,
            "supportAudioAlarm": 1 if self.siren else 0,
            "alarmMd": 1,
            "battery": 1 if self.battery else 0,
            "mdWithPir": 1 if self.battery else 0,
            "aiTrack": 0,
            "supportAiSensitivity": 1 if self.ai_sensitivity and self.ai_types else 0,
            "supportAiStayTime": 1 if self.ai_sensitivity and self.ai_types else 0,
            "supportAiAnimal": 1 if "dog_cat" in self.ai_types else 0,
            "supportAiPeople": 1 if "people" in self.ai_types else 0,
            "supportAiVehicle": 1 if "vehicle" in self.ai_types else 0,
            "supportAiFace": 1 if "face" in self.ai_types else 0,
            "supportAiDogCat": 1 if "dog_cat" in self.ai_types else 0,
            "supportAiPackage": 1 if "package" in self.ai_types else 0,
            "supportWebhook": 0,
            "ispHue": 1 if self.isp_adjust else 0,
            "ispSatruation": 1 if self.isp_adjust else 0,
            "ispSharpen": 1 if self.isp_adjust else 0,
            "ispContrast": 1 if self.isp_adjust else 0,
            "ispBright": 1 if self.isp_adjust else 0,
            "ispDayNight": 1,
            "ispBackLight": 1,
            "supportIspHdr": 1 if self.hdr else 0,
        }
        if legacy:
            # Old firmware advertises only the basics.
            keep = {"recReplay", "recCfg", "recDownload", "snap", "mask", "osd", "image", "isp"}
            keep |= {"enc", "live", "ptzType", "ledControl", "alarmMd", "ispDayNight"}
            ab = {k: v for k, v in ab.items() if k in keep}
        return {key: {"permit": rw if ver else 0, "ver": ver} for key, ver in ab.items()}


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """One product: what it says about itself and what its firmware can do."""

    key: str
    description: str
    model: str
    hard_ver: str
    firm_ver: str
    device_type: str  # IPC | NVR | HOMEHUB
    default_name: str
    channels: tuple[ChannelProfile, ...]
    schedule_version: int = 1  # >= 1: the *V20 commands
    get_events: bool = True  # GetEvents known (else "Unknown")
    ai_state: bool = True  # GetAiState known (firmware >= 3.0.0.494)
    channel_status: bool = True  # GetChannelstatus known
    rtsp_url: bool = True  # GetRtspUrl known
    md_alarm: bool = True  # GetMdAlarm known (legacy: GetAlarm only)
    manual_rec: bool = True  # GetManualRec / SetManualRec known
    performance: bool = True  # GetPerformance
    buzzer: bool = False  # NVR buzzer (GetBuzzerAlarmV20)
    state_light: bool = False  # NVR front LED (GetStateLight)
    storage_type: int = 2  # 1 HDD, 2 SD card
    storage_capacity_mb: int = 122_000
    wifi: bool = False
    upgrade_ver: int = 2
    build_day: str = ""
    cfg_ver: str = "v3.1.0.0"
    detail: str = ""
    extra_host_abilities: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    baichuan_encryption: Encryption = Encryption.AES  # firmware before ~2021: BC only

    @property
    def is_nvr(self) -> bool:
        return self.device_type in {"NVR", "WIFI_NVR", "HOMEHUB"}

    @property
    def channel_count(self) -> int:
        return len(self.channels)

    @property
    def legacy(self) -> bool:
        return self.schedule_version == 0

    def online_channels(self) -> list[int]:
        return [i for i, ch in enumerate(self.channels) if ch.online]

    def host_abilities(self) -> dict[str, dict[str, int]]:
        """The host part of ``GetAbility``."""
        ab: dict[str, int] = {
            "onvif": 3,
            "rtsp": 3,
            "rtmp": 3,
            "httpFlv": 1,
            "http": 1,
            "https": 1,
            "p2p": 1,
            "localLink": 1,
            "ntp": 1,
            "time": 1,
            "email": 1,
            "push": 1,
            "pushCfg": 0 if self.legacy else 1,
            "ftp": 1,
            "reboot": 1,
            "restore": 1,
            "upgrade": self.upgrade_ver,
            "scheduleVersion": self.schedule_version,
            "performance": 1 if self.performance else 0,
            "supportBuzzer": 1 if self.buzzer else 0,
            "wifi": 1 if self.wifi else 0,
            "disableAutoFocus": 0,
            "supportIfttt": 0,
        }
        ab.update(self.extra_host_abilities)
        if self.legacy:
            drop = {"pushCfg", "performance", "supportBuzzer", "disableAutoFocus", "supportIfttt"}
            ab = {k: v for k, v in ab.items() if k not in drop}
        return {key: {"permit": 6 if ver else 0, "ver": ver} for key, ver in ab.items()}


# ------------------------------------------------------------------------------------------
# The profiles

_FLOODLIGHT_CAM = ChannelProfile(
    model="RLC-811A",
    hard_ver="IPC_523128M8MP",
    firm_ver="v3.1.0.2368_23062508",
    name="Driveway",
    ai_types=frozenset({"people", "vehicle", "dog_cat"}),
    floodlight=True,
    siren=True,
    status_led=True,
    zoom=False,
    hdr=True,
    ai_sensitivity=True,
)

FLOODLIGHT = DeviceProfile(
    key="floodlight",
    description="fixed 4K AI camera with floodlight (brightness) and siren, GetEvents firmware",
    model="RLC-811A",
    hard_ver="IPC_523128M8MP",
    firm_ver="v3.1.0.2368_23062508",
    device_type="IPC",
    default_name="Driveway",
    channels=(_FLOODLIGHT_CAM,),
    detail="IPC_523128M8MPS10E1W01100000001",
)

_PTZ_PRESETS = (
    PtzPreset(1, "Gate", pan=1200, tilt=300, zoom=10),
    PtzPreset(2, "Driveway", pan=2400, tilt=250, zoom=0),
    PtzPreset(3, "Porch", pan=600, tilt=400, zoom=20),
)

PTZ = DeviceProfile(
    key="ptz",
    description="4K PTZ camera: presets, patrol, optical zoom, siren; GetMdState+GetAiState",
    model="RLC-823A",
    hard_ver="IPC_523128M8MP",
    firm_ver="v3.1.0.1162_22071401",
    device_type="IPC",
    default_name="Yard PTZ",
    channels=(
        ChannelProfile(
            model="RLC-823A",
            hard_ver="IPC_523128M8MP",
            firm_ver="v3.1.0.1162_22071401",
            name="Yard PTZ",
            ai_types=frozenset({"people", "vehicle"}),
            siren=True,
            status_led=True,
            ptz_type=2,
            zoom=True,
            presets=_PTZ_PRESETS,
        ),
    ),
    get_events=False,
    detail="IPC_523128M8MPS10E1W01100000001",
)

DOORBELL = DeviceProfile(
    key="doorbell",
    description="PoE doorbell: visitor button, people/face/package AI, doorbell light, no siren",
    model="Reolink Video Doorbell PoE",
    hard_ver="DB_566128M5MP_P",
    firm_ver="v3.0.0.2356_23062000",
    device_type="IPC",
    default_name="Front Door",
    channels=(
        ChannelProfile(
            model="Reolink Video Doorbell PoE",
            hard_ver="DB_566128M5MP_P",
            firm_ver="v3.0.0.2356_23062000",
            name="Front Door",
            ai_types=frozenset({"people", "face", "package"}),
            doorbell=True,
            status_led=True,
            ai_sensitivity=True,
            main_size=(2560, 1920),
            sub_size=(640, 480),
            main_codec="h264",
            main_fps=20,
            main_bitrate=3072,
        ),
    ),
    detail="DB_566128M5MP_PS10E1W01100000001",
)

LEGACY = DeviceProfile(
    key="legacy",
    description="old RLC-410 firmware v2: no AI, no GetEvents/GetChannelstatus, legacy settings",
    model="RLC-410",
    hard_ver="IPC_51316M",
    firm_ver="v2.0.0.1441_19032101",
    device_type="IPC",
    default_name="Garage",
    baichuan_encryption=Encryption.BC,
    channels=(
        ChannelProfile(
            model="RLC-410",
            hard_ver="IPC_51316M",
            firm_ver="v2.0.0.1441_19032101",
            name="Garage",
            ai_types=frozenset(),
            isp_adjust=False,
            main_size=(2560, 1440),
            sub_size=(640, 360),
            main_codec="h264",
            main_fps=25,
            main_bitrate=4096,
            audio=False,
        ),
    ),
    schedule_version=0,
    get_events=False,
    ai_state=False,
    channel_status=False,
    rtsp_url=False,
    md_alarm=False,
    manual_rec=False,
    performance=False,
    upgrade_ver=1,
    cfg_ver="v2.0.0.0",
    detail="IPC_51316M5MS10E1W01100000001",
)

_NVR_CAMERAS = (
    ChannelProfile(
        model="RLC-810A",
        hard_ver="IPC_523128M8MP",
        firm_ver="v3.1.0.1643_22122712",
        name="Front Yard",
        ai_types=frozenset({"people", "vehicle", "dog_cat"}),
        status_led=True,
        uid_suffix="A1",
    ),
    ChannelProfile(
        model="RLC-520A",
        hard_ver="IPC_523128M5MP",
        firm_ver="v3.1.0.951_22041566",
        name="Back Yard",
        ai_types=frozenset({"people", "vehicle"}),
        main_size=(2560, 1920),
        sub_size=(640, 480),
        main_codec="h264",
        uid_suffix="B2",
    ),
    ChannelProfile(
        model="RLC-811A",
        hard_ver="IPC_523128M8MP",
        firm_ver="v3.1.0.2368_23062508",
        name="Side Gate",
        ai_types=frozenset({"people", "vehicle", "dog_cat"}),
        floodlight=True,
        siren=True,
        status_led=True,
        uid_suffix="C3",
    ),
)

_NVR_CHANNELS = (
    *_NVR_CAMERAS,
    *(
        ChannelProfile(model="", hard_ver="", firm_ver="", name="", online=False, ir_lights=False)
        for _ in range(5)
    ),
)

NVR = DeviceProfile(
    key="nvr",
    description="8-channel NVR, 3 cameras online (RLC-810A, RLC-520A, RLC-811A), 5 empty",
    model="RLN8-410",
    hard_ver="H3MB18",
    firm_ver="v3.3.0.226_23031644",
    device_type="NVR",
    default_name="NVR",
    channels=_NVR_CHANNELS,
    buzzer=True,
    state_light=True,
    storage_type=1,
    storage_capacity_mb=1_907_200,
    detail="NVR_NNT3NA58W_E",
    cfg_ver="v3.3.0.0",
)

BATTERY = DeviceProfile(
    key="battery",
    description="Home Hub with a battery Argus 4 Pro (PIR motion, people/vehicle/pet AI, siren)",
    model="Reolink Home Hub",
    hard_ver="BASE_WENNT6NA5",
    firm_ver="v3.3.0.369_24081905",
    device_type="HOMEHUB",
    default_name="Home Hub",
    channels=(
        ChannelProfile(
            model="Argus 4 Pro",
            hard_ver="IPC_NT15NA68MP",
            firm_ver="v3.0.0.3980_24061902",
            name="Backyard Argus",
            ai_types=frozenset({"people", "vehicle", "dog_cat"}),
            siren=True,
            battery=True,
            main_size=(3840, 1080),
            sub_size=(1280, 360),
            main_fps=15,
            main_bitrate=3072,
            uid_suffix="D4",
        ),
        *(
            ChannelProfile(
                model="", hard_ver="", firm_ver="", name="", online=False, ir_lights=False
            )
            for _ in range(7)
        ),
    ),
    performance=False,
    storage_type=2,
    storage_capacity_mb=61_000,
    wifi=True,
    detail="BASE_WENNT6NA5S10E1W01100000001",
    cfg_ver="v3.3.0.0",
)

PROFILES: Mapping[str, DeviceProfile] = MappingProxyType(
    {p.key: p for p in (FLOODLIGHT, PTZ, DOORBELL, LEGACY, NVR, BATTERY)}
)
PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)


def get_profile(name: str) -> DeviceProfile:
    """The profile called ``name`` (``ValueError`` naming the known ones otherwise)."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILE_NAMES)
        raise ValueError(f"unknown simulator profile {name!r}; known profiles: {known}") from None
